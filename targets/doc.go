// Package targets turns a scenario into authenticated vegeta targets.
//
// A Scenario names the endpoints of the API under test, their weights, the
// pool of sample questions and how to log in. Built-in is the classic RAG
// user (Default); a YAML file overrides any part of it (Load, or LoadIn
// for a file that must stay inside a folder). Every reader caps what it
// reads (MaxScenarioBytes and the like) and its errors quote at most a
// short excerpt of the input, never a whole value. A Pool holds one
// logged-in Session per credential and keeps its token fresh in the
// background, so that the Targeter built by NewTargeter never does network
// I/O: it picks a weighted endpoint, a question and a session, and stamps
// the token it already holds. Journeys (journeys:, NewJourneys) are
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
//	mix.go             Mix (weighted choice, prepared bodies), NewTargeter, Stamper
//	baseurl.go         CheckBaseURL
//	credentials.go     the credentials CSV (LoadCredentials, WriteCredentials)
//	login.go           the form login, redirect guards, LoginError
//	pool.go            Pool and Session: logins, refreshes, 401s
//	redact.go          Mask and the printing of tokens without their value
//	vegeta.go          reading a vegeta targets file (ReadVegeta)
//	vegeta_import.go   vegeta targets to endpoints (FromVegeta)
//	export.go          writing the mix as vegeta targets (Export, the encoders)
//
// Registering accounts and uploading documents is package prepare's.
package targets
