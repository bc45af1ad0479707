// Command ttyadm: see internal/admin/ttyadm and man/ttyadm.8.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/ttyadm"
)

func main() {
	os.Exit(ttyadm.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
