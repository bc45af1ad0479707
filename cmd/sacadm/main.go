// Command sacadm: see internal/admin/sacadm and man/sacadm.8.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/sacadm"
)

func main() {
	os.Exit(sacadm.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
