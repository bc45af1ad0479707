package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/saf/nlps"
	"github.com/linux-saf/saf/saf/pmtab"
)

// buildTool builds e2e/testdata/<name> into a directory every user can
// reach (services run as other users).
func buildTool(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(publicDir(t, "saf-e2e-tool-"), name)
	cmd := exec.Command("go", "build", "-o", p, "./testdata/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./e2e/testdata/%s: %v\n%s", name, err, out)
	}
	return p
}

// privUser creates a user with a home directory, a primary group of its
// own and two supplementary groups, for one test; it returns the name and
// the identity its services must have ("uid=.. gid=.. groups=..").
func privUser(t *testing.T) (name, want string) {
	t.Helper()
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name = "saftst" + hex.EncodeToString(b)
	groups := []string{name + "a", name + "b"}
	for _, g := range groups {
		if out, err := exec.Command("groupadd", g).CombinedOutput(); err != nil {
			t.Skipf("groupadd %s: %v %s", g, err, out)
		}
		t.Cleanup(func() { exec.Command("groupdel", g).Run() })
	}
	if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", "-G", strings.Join(groups, ","), name).CombinedOutput(); err != nil {
		t.Skipf("useradd %s: %v %s", name, err, out)
	}
	t.Cleanup(func() {
		for i := 0; i < 50; i++ {
			if exec.Command("userdel", "-r", name).Run() == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		exec.Command("userdel", "-f", "-r", name).Run()
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	gids, err := u.GroupIds() // the primary group and every group listing the user: initgroups
	if err != nil {
		t.Fatal(err)
	}
	var gs []int
	for _, g := range gids {
		n, _ := strconv.Atoi(g)
		gs = append(gs, n)
	}
	sort.Ints(gs)
	var s []string
	for _, g := range gs {
		s = append(s, strconv.Itoa(g))
	}
	return name, fmt.Sprintf("uid=%s gid=%s groups=%s fds=0,1,2", u.Uid, u.Gid, strings.Join(s, ","))
}

var idLine = regexp.MustCompile(`ID (uid=\S+ gid=\S+ groups=\S* fds=\S*)`)

// TestStressPrivilege (root): services run with exactly their _pmtab
// identity (uid, gid, supplementary groups) and descriptors 0, 1 and 2
// only, under ttymon and under listen (direct, through the launcher and
// through NLPS);
// sac's admin channel refuses a flood of requests from another user; the
// files SAF creates have their modes
// (docs/architecture.md#file-modes-and-ownership) whatever the umask; and
// symlinks planted where SAF creates or rewrites files are never followed.
func TestStressPrivilege(t *testing.T) {
	stressN(t, 1, 0) // users and groups are created: make stress only
	testexec.RequireRoot(t)
	row := newRow(t, "privilege: identities, fds, admin channel, modes, symlinks")
	check := func(ok bool, format string, args ...any) {
		t.Helper()
		row.Iterations++
		if !ok {
			row.Failures++
			t.Errorf(format, args...)
		}
	}
	name, want := privUser(t)
	idreport := buildTool(t, "idreport")
	t.Logf("service identity %s: want %s", name, want)

	t.Run("ttymon", func(t *testing.T) {
		sb := tmSandbox(t)
		pty := testpty.Open(t)
		startTTYMon(t, sb, "tm", tmLine("p1", "", name, pmtab.TTY{
			Device: pty.SlavePath, Service: idreport, Label: "fast", Prompt: "login: ",
		}))
		pty.Expect(t, `login: $`, tmWait)
		pty.Type(t, "someone\r")
		m := idLine.FindStringSubmatch(pty.Expect(t, `ID .*fds=\S*`, tmWait))
		check(m != nil && m[1] == want, "ttymon service: %q, want %q", m, want)
		pty.Type(t, "\r")
	})

	t.Run("listen", func(t *testing.T) {
		sb := testexec.NewSandbox(t)
		r := startSacListen(t, sb)
		direct := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
		launched := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
		addSvc(t, sb, "tcp", "direct", name, nlsformat(t, sb, "-c", idreport, "-A", direct))
		// A per-service script sends the service through the launcher.
		script := filepath.Join(t.TempDir(), "script")
		os.WriteFile(script, []byte("# nothing to do\n"), 0o644)
		pmadmWait(t, sb, "tcp", "-a", "-p", "tcp", "-s", "launched", "-i", name, "-v", "4",
			"-m", nlsformat(t, sb, "-c", idreport, "-A", launched), "-z", script)
		// And through NLPS, whose server switches to the identity of
		// the service asked for.
		nlpsAddr := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
		addSvc(t, sb, "tcp", "0", "root", nlsformat(t, sb, "-c", "/usr/lib/saf/nlps_server", "-A", nlpsAddr))
		for _, addr := range []string{direct, launched, nlpsAddr} {
			c := ldial(t, "tcp4", addr)
			if addr == nlpsAddr {
				if _, err := nlps.Request(c, "direct"); err != nil {
					check(false, "NLPS request: %v", err)
					continue
				}
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			m := idLine.FindStringSubmatch(line)
			check(err == nil && m != nil && m[1] == want, "listen service at %s: %q %v, want %q", addr, line, err, want)
			c.Close()
		}

		// The admin channel: 100 requests from another user, all
		// refused; sac is unmoved and leaks nothing.
		sacPid := r.cmd.Process.Pid
		os.Chmod(sb.Root, 0o755)
		os.Chmod(filepath.Dir(sb.Root), 0o755)
		row.before(sacPid)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < 100; i++ {
			args := [][]string{{"-k", "-p", "tcp"}, {"-d", "-p", "tcp"}, {"-x"}, {"-L"}}[i%4]
			cmd := sb.Command(t, "sacadm", args...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := cmd.CombinedOutput()
				mu.Lock()
				defer mu.Unlock()
				check(exitCode(err) == 4 && strings.Contains(string(out), "Can not contact SAC"),
					"sacadm %v as nobody: exit %d, %s", args, exitCode(err), out)
			}()
		}
		wg.Wait()
		check(states(t, sb)["tcp"] == "ENABLED", "listen is %s after nobody's requests", states(t, sb)["tcp"])
		row.FDsAfter = waitFlat(sacPid, row.FDsBefore, 5*time.Second)
		row.MemAfter = rssKiB(sacPid)
		row.Zombies = zombieCount(sacPid)
		check(row.FDsAfter <= row.FDsBefore, "sac's descriptors grew from %d to %d", row.FDsBefore, row.FDsAfter)
		check(row.Zombies == 0, "%d zombies under sac", row.Zombies)
	})

	t.Run("modes", func(t *testing.T) {
		for _, umask := range []string{"022", "000", "077"} {
			sb := testexec.NewSandbox(t)
			os.Chmod(sb.Root, 0o755)
			script := filepath.Join(t.TempDir(), "script")
			os.WriteFile(script, []byte("# nothing to do\n"), 0o644)
			tpm := testexec.TestPM(t)
			run := func(prog string, args ...string) {
				t.Helper()
				cmd := exec.Command("/bin/sh", append([]string{"-c", `umask ` + umask + `; exec "$0" "$@"`, testexec.Bin(t, prog)}, args...)...)
				cmd.Env = sb.Env()
				if out, err := cmd.CombinedOutput(); exitCode(err) != 0 && exitCode(err) != 4 {
					t.Fatalf("umask %s: %s %q: %v\n%s", umask, prog, args, err, out)
				}
			}
			run("sacadm", "-a", "-p", "m", "-t", "testpm", "-c", tpm, "-v", "1")
			run("sacadm", "-a", "-p", "gone", "-t", "testpm", "-c", tpm, "-v", "1", "-f", "x")
			run("sacadm", "-r", "-p", "gone") // _sactab rewritten
			run("sacadm", "-g", "-p", "m", "-z", script)
			run("pmadm", "-a", "-p", "m", "-s", "s1", "-i", "root", "-v", "1", "-m", "x", "-z", script)
			run("pmadm", "-a", "-p", "m", "-s", "s2", "-i", "root", "-v", "1", "-m", "x")
			run("pmadm", "-r", "-p", "m", "-s", "s2") // _pmtab rewritten
			sac := exec.Command("/bin/sh", "-c", `umask `+umask+`; exec "$0" "$@"`, testexec.Bin(t, "sac"), "-t", "1")
			sac.Env = sb.Env()
			sr := runSac(t, sb, sac)
			waitFor(t, "the port monitor", func() bool { return pmPid(sb, "m") != 0 })
			for path, mode := range map[string]fs.FileMode{
				"/etc/saf/_sactab":   0o444,
				"/etc/saf/_sacpipe":  fs.ModeNamedPipe | 0o600,
				"/etc/saf/_cmdpipe":  fs.ModeSocket | 0o600,
				"/etc/saf/m":         fs.ModeDir | 0o755,
				"/etc/saf/m/_pmpipe": fs.ModeNamedPipe | 0o600,
				"/etc/saf/m/_pid":    0o600, // the port monitor's: no one else may lock it
				"/etc/saf/m/_pmtab":  0o444,
				"/etc/saf/m/_config": 0o444,
				"/etc/saf/m/s1":      0o444,
				"/var/saf/m":         fs.ModeDir | 0o755,
			} {
				fi, err := os.Lstat(sb.Path(path))
				check(err == nil && fi.Mode() == mode, "umask %s: %s: %v, want %v (%v)", umask, path, modeOf(fi), mode, err)
			}
			// The log: no one else may even open it, since that is
			// all a read lock on it takes.
			fi, err := os.Lstat(sb.Path("/var/saf/_log"))
			check(err == nil && fi.Mode() == 0o600, "umask %s: /var/saf/_log: %v (%v)", umask, modeOf(fi), err)
			sr.stop()
		}
	})

	t.Run("symlinks", func(t *testing.T) {
		// Each case plants a symlink to a victim file outside the
		// sandbox where SAF creates or rewrites a file, runs the
		// program, and checks the victim is untouched.
		tpm := testexec.TestPM(t)
		cases := []struct {
			name, link string
			setup      func(sb *testexec.Sandbox)
			run        func(sb *testexec.Sandbox)
		}{
			{"pmadm -a: _pmtab", "/etc/saf/m/_pmtab", addM(t), pmadmAdd(t)},
			{"pmadm -a: ._pmtab", "/etc/saf/m/._pmtab", addM(t), pmadmAdd(t)},
			{"pmadm -a -z: service script", "/etc/saf/m/s1", addM(t), pmadmAdd(t)},
			{"sacadm -a: ._sactab", "/etc/saf/._sactab", nil, sacadmAdd(t, tpm)},
			{"sacadm -a: admin lock", "/etc/saf/.lock", nil, sacadmAdd(t, tpm)},
			{"sacadm -a: /var/saf/<tag>", "/var/saf/m", nil, sacadmAdd(t, tpm)},
			{"sacadm -g -z: _config", "/etc/saf/m/_config", addM(t), func(sb *testexec.Sandbox) {
				sacadm(t, sb, "sacadm", "-g", "-p", "m", "-z", privScript(t))
			}},
			{"sac: _log", "/var/saf/_log", addM(t), sacRunFor(t)},
			{"sac: _sacpipe", "/etc/saf/_sacpipe", addM(t), sacRunFor(t)},
			{"sac and the port monitor: _pid", "/etc/saf/m/_pid", addM(t), sacRunFor(t)},
			{"sac and the port monitor: _pmpipe", "/etc/saf/m/_pmpipe", addM(t), sacRunFor(t)},
			{"ttymon: its log", "/var/saf/tm/log", nil, ttymonRunFor(t, false)},
			{"ttymon: lock file", "", nil, ttymonRunFor(t, true)},
			{"listen: its log", "/var/saf/tcp/log", nil, listenRunFor(t)},
			{"listen: its old log", "/var/saf/tcp/o.log", nil, listenRunFor(t)},
		}
		for _, c := range cases {
			sb := tmSandbox(t)
			victim := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(victim, []byte("victim\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if c.setup != nil {
				c.setup(sb)
			}
			link := c.link
			if link == "" { // the lock file of ttymonRunFor's line
				link = "/var/lock/" + ttyLockName
			}
			p := sb.Path(link)
			os.RemoveAll(p)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.Symlink(victim, p); err != nil {
				t.Fatal(err)
			}
			c.run(sb)
			b, _ := os.ReadFile(victim)
			fi, _ := os.Stat(victim)
			check(string(b) == "victim\n" && fi.Mode() == 0o600, "%s: the victim behind %s was touched: %q %v", c.name, link, b, fi.Mode())
		}
	})
}

func modeOf(fi fs.FileInfo) any {
	if fi == nil {
		return nil
	}
	return fi.Mode()
}

func privScript(t *testing.T) string {
	script := filepath.Join(t.TempDir(), "script")
	os.WriteFile(script, []byte("# nothing to do\n"), 0o644)
	return script
}

func addM(t *testing.T) func(sb *testexec.Sandbox) {
	return func(sb *testexec.Sandbox) { addTestPM(t, sb, "m", "") }
}

func pmadmAdd(t *testing.T) func(sb *testexec.Sandbox) {
	return func(sb *testexec.Sandbox) {
		sacadm(t, sb, "pmadm", "-a", "-p", "m", "-s", "s1", "-i", "root", "-v", "1", "-m", "x", "-z", privScript(t))
	}
}

func sacadmAdd(t *testing.T, tpm string) func(sb *testexec.Sandbox) {
	return func(sb *testexec.Sandbox) {
		sacadm(t, sb, "sacadm", "-a", "-p", "m", "-t", "testpm", "-c", tpm, "-v", "1")
	}
}

// sacRunFor runs sac for a few sanity intervals.
func sacRunFor(t *testing.T) func(sb *testexec.Sandbox) {
	return func(sb *testexec.Sandbox) {
		cmd := sb.Command(t, "sac", "-t", "1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sr := &sacRun{t: t, sb: sb, cmd: cmd, out: &bytes.Buffer{}}
		time.Sleep(2500 * time.Millisecond)
		sr.cleanup()
	}
}

// ttyLockName is the UUCP lock name of the line ttymonRunFor uses.
var ttyLockName string

// ttymonRunFor runs ttymon with a port on a new pty (bidirectional when
// lock is set, so that a connection takes the line's UUCP lock) and
// types a name on it.
func ttymonRunFor(t *testing.T, lock bool) func(sb *testexec.Sandbox) {
	pty := testpty.Open(t)
	ttyLockName = "LCK.." + strings.ReplaceAll(strings.TrimPrefix(pty.SlavePath, "/dev/"), "/", "_")
	return func(sb *testexec.Sandbox) {
		flags := ""
		if lock {
			flags = "b"
		}
		r := launchTTYMon(t, sb, "tm", tmLine("p1", flags, svcUser(t), pmtab.TTY{
			Device: pty.SlavePath, Service: "/bin/cat", Label: "fast", Prompt: "login: ",
		}))
		time.Sleep(time.Second)
		pty.Type(t, "x\r")
		time.Sleep(time.Second)
		r.cmd.Process.Signal(syscall.SIGTERM)
		r.cmd.Wait()
	}
}

// listenRunFor runs a listener under sac and makes it log.
func listenRunFor(t *testing.T) func(sb *testexec.Sandbox) {
	return func(sb *testexec.Sandbox) {
		sr := startSac(t, sb)
		addListenPM(t, sb, "tcp", "tcp")
		time.Sleep(2 * time.Second)
		net.DialTimeout("tcp4", "127.0.0.1:1", time.Second)
		sr.cleanup()
	}
}
