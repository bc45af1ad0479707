// Package sacadm implements the sacadm command.
package sacadm

import (
	"fmt"
	"io"
)

// Main runs sacadm with args (without the program name) and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "sacadm: not implemented yet")
	return 1
}
