// Package web serves ragload's exploration dashboard (ragload web): a page
// from which a person starts a run against a target (virtual users or an
// arrival rate), changes its users or rate while it goes on, watches it
// once a second over Server-Sent Events, stops it, reads its report and
// opens earlier runs (history.go). Runs go through the same attack drivers
// and write the same run directories as the CLI. The page (plain HTML,
// JavaScript drawing on canvases, CSS) is embedded, so it works offline.
//
// The page can start load with the user's credentials, so the server
// answers only requests addressed to its own names (no DNS rebinding),
// requires a per-launch token on every API call, sends a strict CSP and
// no-framing headers, and loads scenarios from one folder only (guard.go,
// scenario.go).
package web
