// Command hi is the trivial static service of the listener benchmark
// (e2e/listen_bench_test.go): it writes "hi\n" to its standard output,
// the connection, and exits. Every server in the benchmark runs this same
// program.
package main

import "os"

func main() {
	// Ignored: the benchmark client checks the reply; nothing to do here.
	_, _ = os.Stdout.Write([]byte("hi\n"))
}
