// Package targets turns a scenario into authenticated vegeta targets.
//
// A Scenario names the endpoints of the API under test, their weights, the
// pool of sample questions and how to log in. Built-in is the classic RAG
// user (Default); a YAML file overrides any part of it (Load, or LoadIn
// for a file that must stay inside a folder). Every reader caps what it
// reads (MaxScenarioBytes and the like) and its errors quote at most a
// short excerpt of the input, never a whole value. A Pool holds
// one logged-in Session per credential and keeps its token fresh in the
// background, so that the Targeter built by NewTargeter never does network
// I/O: it picks a weighted endpoint, a question and a session, and stamps
// the token it already holds.
package targets
