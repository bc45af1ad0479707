// Package nlsadmin implements the nlsadmin command.
package nlsadmin

import (
	"fmt"
	"io"
)

// Main runs nlsadmin with args (without the program name) and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "nlsadmin: not implemented yet")
	return 1
}
