// Package export writes a scenario's mix as vegeta targets (ragload
// targets): Run draws Config.Count targets as an attack would, in one of
// Formats (vegeta's JSON, or its http format with bodies in files), logged
// in when Config.Login gives accounts. A file that holds tokens or secret
// headers is made private, and Result.Messages says so.
//
// Where things live:
//
//	export.go  Config, Run, Result, NewHTTPTargetEncoder, BodyFiles
package export
