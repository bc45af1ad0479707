// Command sttydefs: see internal/admin/sttydefs and man/sttydefs.8.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/sttydefs"
)

func main() {
	os.Exit(sttydefs.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
