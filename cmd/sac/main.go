// Command sac is a thin main; the program and its manual are in internal/sac.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/sac"
)

func main() {
	os.Exit(sac.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
