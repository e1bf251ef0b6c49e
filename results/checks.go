package results

// SLO is the scenario's service-level objectives, stored in the manifest
// (ScenarioInfo.SLO): goodput counts the requests that passed their
// checks and met every objective set here. A zero objective is not set.
// TTFT and TPOT apply to streamed responses only.
type SLO struct {
	Latency Duration `json:"latency,omitempty"`
	TTFT    Duration `json:"ttft,omitempty"`
	TPOT    Duration `json:"tpot,omitempty"`
}
