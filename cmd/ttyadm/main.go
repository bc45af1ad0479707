// Command ttyadm is a thin main; the program and its manual are in internal/admin/ttyadm.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/admin/ttyadm"
)

func main() {
	os.Exit(ttyadm.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
