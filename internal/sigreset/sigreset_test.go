package sigreset_test

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/linux-saf/saf/internal/sigreset"
	"github.com/linux-saf/saf/internal/testexec"
	"golang.org/x/sys/unix"
)

const helperEnv = "SIGRESET_HELPER"

func TestMain(m *testing.M) {
	testexec.HelperMain(m, helperEnv, map[string]func([]string) int{"exec": helperExec})
}

// helperExec starts with SIGHUP and SIGINT inherited ignored, ignores
// SIGTERM itself and blocks SIGUSR1, then execs args as a service would
// be.
func helperExec(args []string) int {
	runtime.LockOSThread()
	signal.Ignore(syscall.SIGTERM)
	var usr1 unix.Sigset_t
	usr1.Val[0] = 1 << (unix.SIGUSR1 - 1)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &usr1, nil); err != nil {
		fmt.Println(err)
		return 1
	}
	if !sigreset.Ignored(int(unix.SIGHUP)) || !sigreset.Ignored(int(unix.SIGTERM)) || sigreset.Clean() {
		fmt.Println("the helper did not start with ignored signals")
		return 1
	}
	sigreset.ForExec()
	if !sigreset.Clean() {
		fmt.Println("not Clean after ForExec")
		return 1
	}
	fmt.Println(syscall.Exec(args[0], args, os.Environ()))
	return 1
}

// A service started after ForExec has every signal at its default and
// none blocked, whatever its parent inherited or did.
func TestForExec(t *testing.T) {
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Skip("no grep")
	}
	// The shell's empty traps are inherited as SIG_IGN through its exec.
	// Under emulation (scripts/cross.sh sets SAF_QEMU to the emulator) the
	// shell must exec the emulator: the host cannot run the test binary.
	cmd := exec.Command("/bin/sh", "-c", `trap "" HUP INT; exec $SAF_QEMU "$@"`, "sh",
		os.Args[0], grep, "-E", "^Sig(Blk|Ign)", "/proc/self/status")
	cmd.Env = append(os.Environ(), helperEnv+"=exec")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 || strings.Trim(f[1], "0") != "" {
			t.Errorf("service has %q", l)
		}
	}
}
