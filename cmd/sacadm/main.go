// Command sacadm is a thin main; the program and its manual are in internal/admin/sacadm.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/sacadm"
)

func main() {
	os.Exit(sacadm.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
