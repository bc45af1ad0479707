// Package ttyadm implements the ttyadm command.
package ttyadm

import (
	"fmt"
	"io"
)

// Main runs ttyadm with args (without the program name) and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ttyadm: not implemented yet")
	return 1
}
