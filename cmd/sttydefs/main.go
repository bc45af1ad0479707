// Command sttydefs is a thin main; the program and its manual are in internal/admin/sttydefs.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/sttydefs"
)

func main() {
	os.Exit(sttydefs.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
