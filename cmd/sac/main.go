// Command sac is a thin main; the program and its manual are in internal/sac.
package main

import (
	"fmt"
	"os"

	"github.com/linux-saf/saf/internal/sac"
	"github.com/linux-saf/saf/internal/version"
)

func main() {
	// --version alone, as --help.
	if version.Requested(os.Args[1:]) {
		fmt.Println(version.String("sac"))
		os.Exit(0)
	}
	os.Exit(sac.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
