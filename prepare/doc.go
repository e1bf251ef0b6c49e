// Package prepare readies the API under test for a load test: it registers
// test accounts, writes their credentials file (in the format
// auth.LoadCredentials reads) and uploads a folder of documents, all
// idempotently: a second Run with the same file registers and uploads
// nothing new. It never prints; Config.Logf receives progress lines, which
// hold no password or token.
//
// Where things live:
//
//	prepare.go    Config (and Validate), Result, Run; messages about the server
//	users.go      registration, reusing the passwords the file holds
//	documents.go  the documents already listed, and multipart uploads
//	summary.go    Result.WriteSummary: what a Run did, for the CLI to print
package prepare
