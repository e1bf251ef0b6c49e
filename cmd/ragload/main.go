// Command ragload load-tests RAG HTTP APIs; see README.md.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:], defaultStreams())) }
