module github.com/linux-saf/saf

go 1.26.8

require (
	github.com/rogpeppe/go-internal v1.16.0
	github.com/spf13/pflag v1.0.10
	golang.org/x/sys v0.49.0
)

require golang.org/x/tools v0.26.0 // indirect
