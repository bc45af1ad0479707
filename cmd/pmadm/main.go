// Command pmadm is a thin main; the program and its manual are in internal/admin/pmadm.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/pmadm"
)

func main() {
	os.Exit(pmadm.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
