package ttymon

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/linux-saf/saf/internal/console"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto"
)

// envChild marks the process as ttymon's per-port child: ttymon re-executes
// its own binary with it set, since Go cannot run code between fork and
// exec (docs/linux.md#controlling-terminal-and-the-per-port-child). The
// child removes it at once, so the service never sees it.
const envChild = "_SAF_TTYMON_CHILD"

// Main runs ttymon with args (without the program name) and returns its
// exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return MainArgv0(append([]string{progName}, args...), stdin, stdout, stderr)
}

// MainArgv0 is Main with the whole argv: its basename selects the getty
// personality.
func MainArgv0(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if _, ok := os.LookupEnv(envChild); ok {
		_ = os.Unsetenv(envChild) // cannot fail for this name
		return childMain()
	}
	root := paths.FromEnv(os.Getenv)
	name := progName
	if len(argv) > 0 {
		name = filepath.Base(argv[0])
	}
	var args []string
	if len(argv) > 1 {
		args = argv[1:]
	}
	if len(args) == 1 && args[0] == "--help" {
		io.WriteString(stdout, helpText)
		return 0
	}
	// Root only, silently, as the original (SAC and express mode alike);
	// anyone in a sandbox (docs/linux.md#privilege-and-the-sandbox).
	if !root.Privileged(os.Getuid()) {
		return 1
	}
	switch {
	case name == "getty":
		return gettyMain(root, args, stderr)
	case len(args) > 0:
		return expressMain(root, args, stderr)
	}
	return sacMain(root, stderr)
}

// sacMain is SAC mode.
func sacMain(root paths.Root, stderr io.Writer) int {
	// sac starts port monitors with no descriptors at all; keep the first
	// files we open off 0, 1 and 2.
	if err := pmproto.EnsureStdio(); err != nil {
		consPrint(root, stderr, sprintf(fmtConsole, err.Error()))
		return 1
	}
	env, err := pmproto.ReadEnv(os.LookupEnv)
	if err != nil {
		// "PMTAG is missing" or "ISTATE is missing", in pmproto's
		// words (the original's), then the exit line.
		consPrint(root, stderr, sprintf(fmtConsole, err.Error()))
		consPrint(root, stderr, sprintf(fmtConsole, msgExiting))
		return 1
	}
	pmproto.UnsetEnv()
	return newMonitor(Config{Root: root, Env: env, Stderr: stderr}).run(context.Background())
}

// consPrint writes a diagnostic ttymon cannot log where an administrator
// sees it: console.Write says where.
func consPrint(root paths.Root, stderr io.Writer, msg string) {
	console.Write(stderr, root.Sandboxed(), progName, msg)
}

// exitError carries an exit status out of deep code paths of the child
// and of express mode, which end the process in the original.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf(fmtExit, e.code) }

func exitWith(code int) error { return &exitError{code: code} }

// trimNL drops one trailing newline.
func trimNL(s string) string { return strings.TrimSuffix(s, "\n") }

// sprintf is fmt.Sprintf.
func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// lookupGroup returns the id of the group called name.
func lookupGroup(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(g.Gid)
}
