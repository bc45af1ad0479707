// Command nlsadmin is a thin main; the program and its manual are in internal/admin/nlsadmin.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/nlsadmin"
)

func main() {
	os.Exit(nlsadmin.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
