module github.com/linux-saf/saf

go 1.26.8

require (
	github.com/creack/pty v1.1.24 // indirect
	github.com/pkg/term v1.1.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)
