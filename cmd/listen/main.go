// Command listen is the network listener port monitor of the Service
// Access Facility; see package internal/listen for its manual.
package main

import (
	"fmt"
	"os"

	"github.com/linux-saf/saf/internal/listen"
	"github.com/linux-saf/saf/internal/version"
)

func main() {
	// --version alone, as --help.
	if version.Requested(os.Args[1:]) {
		fmt.Println(version.String("listen"))
		os.Exit(0)
	}
	os.Exit(listen.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
