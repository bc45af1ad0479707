// Command listen is the network listener port monitor of the Service
// Access Facility; see package internal/listen for its manual.
package main

import (
	"os"

	"github.com/linux-saf/saf/internal/listen"
)

func main() { os.Exit(listen.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
