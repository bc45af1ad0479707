// Package sttydefs implements the sttydefs command.
package sttydefs

import (
	"fmt"
	"io"
)

// Main runs sttydefs with args (without the program name) and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "sttydefs: not implemented yet")
	return 1
}
