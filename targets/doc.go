// Package targets turns a scenario into authenticated vegeta targets.
//
// A Scenario names the endpoints of the API under test, their weights, the
// pool of sample questions and how to log in. Built-in is the classic RAG
// user (Default); a YAML file overrides any part of it (Load, or LoadIn
// for a file that must stay inside a folder). Every reader caps what it
// reads (MaxScenarioBytes and the like) and its errors quote at most a
// short excerpt of the input, never a whole value. A Mix is the weighted
// choice of endpoint and question, its bodies prepared in advance; the
// logins, the token pool and the Targeter that stamps their tokens are
// package auth's (targets/auth). Journeys (journeys:, NewJourneys) are
// sequences of steps that carry values saved from responses into later
// requests; Journeys.Target fills a step's request as cheaply.
//
// Where things live:
//
//	scenario.go        Scenario, Endpoint, Auth, the streaming modes
//	default.go         the built-in RAG user and its questions
//	load.go, parse.go  reading a scenario file (Load, Parse, FileError)
//	checks.go          checks: per endpoint and slo: (SLO, ChecksInfo)
//	parse_nodes.go     the parser's YAML helpers
//	loadin.go          LoadIn: a scenario that must stay inside a folder
//	body.go            an endpoint's body with the question filled in
//	upload.go          upload: a folder's files as multipart bodies
//	journey.go         Journey, Step, Save, Until, SaveFrom, Until.Met, {{name}} templates
//	journey_rules.go   what journeys may say (validateJourneys)
//	parse_journeys.go  reading journeys: with file:line errors
//	journey_target.go  Journeys: compiled steps, Pick, Target (variables filled in)
//	journey_render.go  a step's templates compiled, rendered with escaping
//	mix.go             Mix (weighted choice, prepared bodies), Stamp (a token's headers)
//	baseurl.go         CheckBaseURL
//	secretheader.go    SecretHeader: the header names that may carry a credential
//	vegeta.go          reading a vegeta targets file (ReadVegeta)
//	vegeta_import.go   vegeta targets to endpoints (FromVegeta)
//
// Writing the mix as vegeta targets is package export's (targets/export);
// registering accounts and uploading documents is package prepare's.
package targets
