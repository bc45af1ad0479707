// Command nlsadmin: see internal/admin/nlsadmin and man/nlsadmin.8.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/nlsadmin"
)

func main() {
	os.Exit(nlsadmin.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
