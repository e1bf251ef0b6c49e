// Package runspec is a run as a person asks for it, from the CLI's flags
// or the web dashboard's form (Spec), and the one place it is set up:
// Spec.Build checks it and builds the attack job that runs it, the rules
// that judge it (thresholds with those the scenario and the mode imply)
// and the plan in words, the same way for every caller. It also reads a
// run's inputs (Sharding, LoadScenario, LoadCredentials) and the rules a
// stored run is judged by again (ReportRules).
package runspec
