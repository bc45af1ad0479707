// Package version says which build of the programs is running: the answer
// to every program's --version.
//
// The Makefile (make build, make release) sets the version and the commit
// at link time from git:
//
//	go build -ldflags "-X github.com/linux-saf/saf/internal/version.version=$(git describe --always --dirty) \
//	    -X github.com/linux-saf/saf/internal/version.commit=$(git rev-parse HEAD)"
//
// A plain "go build" or "go install" sets neither; then both come from
// the build information the go command records in the binary: the module
// version ("go install ...@v1.2.3", or the pseudo-version "go build"
// derives from the checkout) and vcs.revision and vcs.modified.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Set by the linker (-X); empty in a plain go build.
var (
	version string
	commit  string
)

// Unknown is the version of a build that carries none: neither -X nor
// the go command's build information named one (go run, go test, a
// build outside a checkout with -buildvcs=false).
const Unknown = "unknown"

var resolved = sync.OnceValues(func() (string, string) {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, bi)
})

// resolve decides the version and the commit from what the linker set
// and, for what it did not set, from the build information bi (nil when
// there is none).
func resolve(v, c string, bi *debug.BuildInfo) (string, string) {
	if v != "" && c != "" || bi == nil {
		if v == "" {
			v = Unknown
		}
		return v, c
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if c == "" {
		c = rev
	}
	if v == "" {
		switch mv := bi.Main.Version; {
		case mv != "" && mv != "(devel)":
			v = mv
		case rev != "":
			// What "git describe --always --dirty" says without a tag.
			v = rev[:min(len(rev), 7)]
			if modified {
				v += "-dirty"
			}
		default:
			v = Unknown
		}
	}
	return v, c
}

// Version is the version of this build: "git describe --always --dirty"
// of the tree it was built from (v0.3.0-12-gabc1234, abc1234-dirty), a
// module version, or Unknown.
func Version() string {
	v, _ := resolved()
	return v
}

// Commit is the full id of the commit the build was made from ("" when
// unknown). Changes that were not committed show in Version ("-dirty").
func Commit() string {
	_, c := resolved()
	return c
}

// String is the line --version prints for prog (without a newline):
//
//	ttymon (linux-saf) v0.3.0-12-gabc1234 (commit abc1234..., built with go1.26.8)
//
// The parenthesis at the end leaves out the commit when it is unknown.
func String(prog string) string {
	return format(prog, Version(), Commit(), runtime.Version())
}

func format(prog, v, c, gov string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (linux-saf) %s (", prog, v)
	if c != "" {
		fmt.Fprintf(&b, "commit %s, ", c)
	}
	fmt.Fprintf(&b, "built with %s)", gov)
	return b.String()
}

// Requested reports whether args (without the program name) ask for the
// version and nothing else: "--version" alone, as sac, ttymon and listen
// take "--help". The admin commands read --version with their other
// options instead (adm.Getopt).
func Requested(args []string) bool {
	return len(args) == 1 && args[0] == "--version"
}
