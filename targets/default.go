package targets

// DefaultQueries is the built-in question pool: what employees ask a
// company-knowledge RAG assistant.
var DefaultQueries = []string{
	"What is our company's remote work policy?",
	"How many vacation days do new employees get in their first year?",
	"Summarize the security requirements for handling customer data.",
	"What are the steps to request a new laptop?",
	"How do I roll back a failed Kubernetes deployment?",
	"Which benefits are available to part-time employees?",
	"What does the incident response runbook say about severity 1 outages?",
	"Explain the expense reimbursement process for international travel.",
	"What were the key findings of the Q3 customer satisfaction survey?",
	"How do I rotate the database credentials for the production cluster?",
	"What is the approval process for open-source dependencies?",
	"Compare the parental leave policies in the US and EU offices.",
	"Who should I contact about payroll discrepancies?",
	"What are the coding standards for Python services?",
}

// Default returns the classic RAG user of DESIGN.md: basic query 5,
// enhanced query 2, health 1, document list 1, with form login on
// /api/v1/auth/login, and a streaming query (SSE) at weight 0 for scenario
// files to turn on. Each call returns a fresh copy.
func Default() *Scenario {
	return &Scenario{
		Name:   "rag-default",
		Source: "built-in",
		Auth: Auth{
			LoginPath:     "/api/v1/auth/login",
			UsernameField: "username",
			PasswordField: "password",
			TokenField:    "access_token",
		},
		Endpoints: []Endpoint{
			{
				Key: "query", Name: "/query (basic)", Method: "POST", Path: "/api/v1/query/",
				Weight: 5, Auth: true,
				JSON: map[string]any{"query": QueryPlaceholder, "max_results": 5},
			},
			{
				Key: "enhanced", Name: "/query/enhanced", Method: "POST", Path: "/api/v1/query/enhanced",
				Weight: 2, Auth: true,
				JSON: map[string]any{"query": QueryPlaceholder, "max_results": 3},
			},
			{Key: "health", Name: "/health", Method: "GET", Path: "/health", Weight: 1},
			{Key: "documents", Name: "/documents (list)", Method: "GET", Path: "/api/v1/documents/", Weight: 1, Auth: true},
			{
				// Off by default; a scenario file turns it on with a weight.
				Key: "stream", Name: "/query/stream", Method: "POST", Path: "/api/v1/query/stream",
				Weight: 0, Auth: true, Stream: StreamSSE,
				JSON:   map[string]any{"query": QueryPlaceholder, "max_results": 5},
				Header: map[string]string{"Accept": "text/event-stream"},
			},
		},
		Queries: append([]string(nil), DefaultQueries...),
	}
}
