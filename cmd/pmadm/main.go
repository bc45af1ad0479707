// Command pmadm: see internal/admin/pmadm and man/pmadm.8.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/pmadm"
)

func main() {
	os.Exit(pmadm.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
