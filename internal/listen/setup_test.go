package listen

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/saf/nlps"
)

// probeCmd is a service that prints what it was given, read from its own
// /proc entries by the programs it runs (so that nothing it opens itself
// is counted): descriptors with their targets and flags, the identity,
// umask, capabilities and signal state of /proc/PID/status, its
// directory, pid, parent, process group, session and terminal, its
// limits, and the environment exactly as it was passed to execve. dash
// opens nothing for -c and keeps an inherited ignored signal ignored and
// the mask as it found it, so what it shows is what it got.
const probeCmd = `/bin/sh -c 'p=/proc/$$; ls -l $p/fd; ` +
	`for f in 0 1 2; do grep -H flags $p/fdinfo/$f; done; ` +
	`grep -E "^(Uid|Gid|Groups|Umask|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt|Cap|NoNewPrivs|Seccomp)" $p/status; ` +
	`echo cwd $(readlink $p/cwd); echo stat $(cut -d" " -f1,4-8 $p/stat); ` +
	`sed "s/^/limit /" $p/limits; echo env; tr "\0" "\n" < $p/environ'`

var (
	probeFD     = regexp.MustCompile(`^l(\S+) .* (\d+) -> (.*)$`)
	probeFlags  = regexp.MustCompile(`^/proc/\d+/fdinfo/(\d+):flags:\s*(\d+)$`)
	probeStatus = regexp.MustCompile(`^(\w+):\s*(.*?)\s*$`)
)

// probeView is what a probe printed, field by field, with what must
// differ between two starts replaced by what it must be: the service's
// own pid by "self", the listener's by "listener", the connection by
// "conn" (after checking that fds 0-2 are one socket), and the caller's
// address in NLSADDR by "caller" (after checking it).
type probeView map[string][]string

func (v probeView) add(k, val string) { v[k] = append(v[k], val) }

// parseProbe reads out, the output of probeCmd for a connection from
// client port cport.
func parseProbe(t *testing.T, out string, cport int) probeView {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	v := probeView{}
	self := ""
	for i, l := range lines {
		if l == "env" {
			for _, kv := range lines[i+1:] {
				if k, val, _ := strings.Cut(kv, "="); k == nlps.EnvAddr {
					if want := strings.TrimPrefix(hexAddr(t, "127.0.0.1", cport), `\x`); val != want {
						t.Errorf("NLSADDR=%s, want %s", val, want)
					}
					kv = k + "=caller"
				}
				v.add("env", kv)
			}
			break
		}
		switch k, rest, _ := strings.Cut(l, " "); {
		case k == "stat":
			f := strings.Fields(rest) // pid ppid pgrp session tty_nr tpgid
			if len(f) != 6 {
				t.Fatalf("stat %q", rest)
			}
			self = f[0]
			for j, x := range f[1:4] {
				switch x {
				case self:
					f[j+1] = "self"
				case strconv.Itoa(os.Getpid()):
					f[j+1] = "listener"
				}
			}
			v.add("ppid pgrp session tty tpgid", strings.Join(f[1:], " "))
		case k == "cwd" || k == "limit":
			v.add(k, rest)
		case probeFD.MatchString(l):
			m := probeFD.FindStringSubmatch(l)
			v.add("fds", m[2]+" "+m[1]+" "+m[3])
		case probeFlags.MatchString(l):
			m := probeFlags.FindStringSubmatch(l)
			v.add("fd flags", m[1]+" "+m[2])
		case probeStatus.MatchString(l):
			m := probeStatus.FindStringSubmatch(l)
			v.add(m[1], strings.Join(strings.Fields(m[2]), " "))
		case l != "" && !strings.HasPrefix(l, "total "):
			t.Errorf("probe printed %q", l)
		}
	}
	// Descriptors: 0, 1 and 2 are the one connection.
	if self == "" || len(v["fds"]) == 0 {
		t.Fatalf("probe printed no stat line or no descriptors:\n%s", out)
	}
	fds := v["fds"]
	if sock := strings.Fields(fds[0])[2]; strings.HasPrefix(sock, "socket:") {
		for i, f := range fds {
			if strings.HasSuffix(f, " "+sock) {
				fds[i] = strings.TrimSuffix(f, sock) + "conn"
			}
		}
	}
	v.add("pid", self)
	return v
}

// TestServiceSetupSame: a service started on the direct path, through
// the launcher, and through the NLPS server (a launcher too, with its own
// texts) gets the same of everything setup.go lists: identity and groups,
// capabilities, environment, descriptors and their flags, directory,
// umask, signal dispositions and mask, session, process group, parent, no
// controlling terminal, limits and utmp record. As root the probes also
// run as daemon, so that the identity switch really happens.
func TestServiceSetupSame(t *testing.T) {
	requireDirect(t)
	d := watchDirect(t)
	ids := []string{me(t)}
	if u, err := user.Lookup("daemon"); os.Geteuid() == 0 && err == nil && u.Uid != "0" {
		ids = append(ids, "daemon")
	}
	root, s := newRoot(t, "tcp")
	mkUtmpDirs(t, root.Utmp(), root.Wtmp())
	pNLPS := freePort(t, "tcp4", "127.0.0.1")
	body := entry("0", "", "root", hexAddr(t, "127.0.0.1", pNLPS), "c", "/usr/lib/saf/nlps_server")
	ports := map[string]int{}
	for i, id := range ids {
		for _, way := range []string{"direct", "launcher"} {
			code := fmt.Sprintf("%s%d", way[:1], i)
			ports[code] = freePort(t, "tcp4", "127.0.0.1")
			body += entry(code, "u", id, hexAddr(t, "127.0.0.1", ports[code]), "c", probeCmd)
		}
		body += entry(fmt.Sprintf("n%d", i), "u", id, "", "c", probeCmd)
	}
	writeTable(t, root, "tcp", body)
	for i := range ids {
		// An empty script: nothing to do, but the launcher runs it.
		if err := os.WriteFile(root.ServiceScript("tcp", fmt.Sprintf("l%d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// What the listener's environment holds besides PMTAG and ISTATE:
	// a variable of the port monitor's _config, TZ, and what must never
	// reach a service.
	startIn(t, root, s, options{args: []string{"-m", "tp", "tcp"}, env: []string{
		"FROMCONFIG=assigned", "TZ=Europe/Paris",
		"LISTEN_PID=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=x", "NOTIFY_SOCKET=/nonexistent/notify"}})

	// probe starts code's probe and returns what it saw.
	probe := func(t *testing.T, code, id string) probeView {
		t.Helper()
		addr := fmt.Sprintf("127.0.0.1:%d", ports[code])
		if code[0] == 'n' {
			addr = fmt.Sprintf("127.0.0.1:%d", pNLPS)
		}
		c := dial(t, "tcp4", addr)
		if code[0] == 'n' {
			if _, err := nlps.Request(c, code); err != nil {
				t.Fatalf("NLPS request for %s: %v", code, err)
			}
		}
		v := parseProbe(t, readAll(t, c), c.LocalAddr().(*net.TCPAddr).Port)
		pid, _ := strconv.Atoi(v["pid"][0])
		v.add("utmp", utmpOf(t, root.Wtmp(), pid, utmpRecord("tcp", id, "tp", code[0] == 'n', pid, time.Time{})))
		delete(v, "pid")
		return v
	}
	for i, id := range ids {
		t.Run(id, func(t *testing.T) {
			dv := probe(t, fmt.Sprintf("d%d", i), id)
			checkProbe(t, dv, id)
			for _, code := range []string{fmt.Sprintf("l%d", i), fmt.Sprintf("n%d", i)} {
				diffProbes(t, "direct path", dv, code, probe(t, code, id))
			}
			if d.count(fmt.Sprintf("d%d", i)) != 1 || d.count(fmt.Sprintf("l%d", i)) != 0 || d.count(fmt.Sprintf("n%d", i)) != 0 {
				t.Errorf("direct starts: %v, want d%d alone", d.codes, i)
			}
		})
	}
}

// diffProbes reports every field in which b (the probe of service code)
// differs from a.
func diffProbes(t *testing.T, aName string, a probeView, code string, b probeView) {
	t.Helper()
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		if !slices.Equal(a[k], b[k]) {
			t.Errorf("%s: %s sees\n\t%q\nthe %s\n\t%q", k, code, b[k], aName, a[k])
		}
	}
}

// checkProbe checks what the direct path's probe saw against what
// setup.go promises, so that the same mistake on both paths is found too.
func checkProbe(t *testing.T, v probeView, id string) {
	t.Helper()
	u, err := user.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Uid":                         strings.Repeat(u.Uid+" ", 3) + u.Uid,
		"Gid":                         strings.Repeat(u.Gid+" ", 3) + u.Gid,
		"Umask":                       "0022",
		"SigBlk":                      "0000000000000000",
		"SigIgn":                      "0000000000000000",
		"cwd":                         u.HomeDir,
		"ppid pgrp session tty tpgid": "listener self self 0 -1",
		"fds":                         "0 rwx------ conn",
		"utmp":                        "as expected",
	}
	for k, w := range want {
		if got := v[k]; len(got) == 0 || got[0] != w {
			t.Errorf("%s: %q, want %q first", k, got, w)
		}
	}
	fds := strings.Join(v["fds"], ", ")
	if fds != "0 rwx------ conn, 1 rwx------ conn, 2 rwx------ conn" {
		t.Errorf("descriptors %s, want the connection on 0, 1 and 2 alone", fds)
	}
	// Read and write, blocking (no O_NONBLOCK, 04000), close-on-exec
	// clear.
	for _, f := range v["fd flags"] {
		if fl, _ := strconv.ParseUint(strings.Fields(f)[1], 8, 64); fl&0o2004003 != 0o2 {
			t.Errorf("fd flags %s: want O_RDWR, blocking", f)
		}
	}
	env := strings.Join(v["env"], "\n")
	for _, bad := range []string{envLaunch + "=", "LISTEN_PID=", "LISTEN_FDS=", "LISTEN_FDNAMES=", "NOTIFY_SOCKET="} {
		if strings.Contains("\n"+env, "\n"+bad) {
			t.Errorf("the service sees %s...", bad)
		}
	}
	path := "/usr/bin:"
	if u.Uid == "0" {
		path = "/usr/sbin:/usr/bin"
	}
	// The listener's environment, then the
	// connection's variables, HOME and PATH.
	for _, kv := range []string{"PMTAG=tcp", "ISTATE=enabled", "FROMCONFIG=assigned", "TZ=Europe/Paris",
		"HOME=" + u.HomeDir, "PATH=" + path, "NLSADDR=caller", "NLSOPT=", "NLSUDATA=", "NLSPROVIDER=tcp", "MPREFIX=tp"} {
		if !slices.Contains(v["env"], kv) {
			t.Errorf("the service lacks %s", kv)
		}
	}
}

// utmpOf is "as expected" when wtmp has want, as the USER_PROCESS
// record of pid, or what it has instead.
func utmpOf(t *testing.T, wtmp string, pid int, want utmp.Record) string {
	t.Helper()
	// The direct path writes the record just after the fork, so it may
	// come after the service's output.
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs, err := utmp.ReadFile(wtmp)
		for _, r := range recs {
			if r.Pid != int32(pid) || r.Type != utmp.UserProcess {
				continue
			}
			if r.User != want.User || r.ID != want.ID || r.Line != want.Line || r.Session != want.Session {
				return fmt.Sprintf("user %q id %q line %q session %d", r.User, r.ID, r.Line, r.Session)
			}
			return "as expected"
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("none (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mkUtmpDirs makes the directories of the sandbox's utmp files.
func mkUtmpDirs(t *testing.T, files ...string) {
	t.Helper()
	for _, f := range files {
		if err := os.MkdirAll(f[:strings.LastIndexByte(f, '/')], 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
