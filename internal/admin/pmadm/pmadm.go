// Package pmadm implements the pmadm command.
package pmadm

import (
	"fmt"
	"io"
)

// Main runs pmadm with args (without the program name) and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "pmadm: not implemented yet")
	return 1
}
