// Command ttymon is a thin main; the program and its manual are in
// internal/ttymon.
package main

import (
	"fmt"
	"os"

	"github.com/linux-saf/saf/internal/ttymon"
	"github.com/linux-saf/saf/internal/version"
)

func main() {
	// --version alone, as --help: before ttymon's root-only check, so
	// anyone may ask (also when it runs as getty).
	if version.Requested(os.Args[1:]) {
		fmt.Println(version.String("ttymon"))
		os.Exit(0)
	}
	os.Exit(ttymon.MainArgv0(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
