package sac

import (
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/lockfile"
)

// helperEnv names the helper the test binary runs as (TestMain).
const helperEnv = "_SAF_SAC_TEST_HELPER"

func TestMain(m *testing.M) {
	testexec.HelperMain(m, helperEnv, map[string]func([]string) int{
		"lock":  lockHelper,
		"squat": testexec.Squat,
		"sac":   sacHelper,
		"pm":    pmHelper,
	})
}

// lockHelper holds a POSIX record lock on the file args[0], as a port
// monitor holds its _pid, until its stdin is closed.
func lockHelper(args []string) int {
	f, err := os.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := lockfile.LockRecord(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// holdLock starts a process that locks path and returns its pid; the
// process ends with the test.
func holdLock(t *testing.T, path string) int {
	t.Helper()
	return testexec.StartHelper(t, helperEnv+"=lock", "locked", path)
}

// replaceHook sets *hook to fn until the test ends.
func replaceHook[T any](t *testing.T, hook *T, fn T) {
	old := *hook
	*hook = fn
	t.Cleanup(func() { *hook = old })
}
