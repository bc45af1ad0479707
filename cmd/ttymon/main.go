// Command ttymon is a thin main; the program and its manual are in
// internal/ttymon.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/ttymon"
)

func main() {
	os.Exit(ttymon.MainArgv0(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
