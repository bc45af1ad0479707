package listen

import (
	"fmt"
	"os"
	"os/user"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// directStarts records the services started on the direct path while
// the test runs (the startedDirect seam), restoring the seam afterwards.
type directStarts struct {
	mu    sync.Mutex
	codes map[string]int
}

func watchDirect(t *testing.T) *directStarts {
	t.Helper()
	d := &directStarts{codes: map[string]int{}}
	old := startedDirect
	startedDirect = func(code string, pid int) {
		d.mu.Lock()
		d.codes[code]++
		d.mu.Unlock()
	}
	t.Cleanup(func() { startedDirect = old })
	return d
}

func (d *directStarts) count(code string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.codes[code]
}

// requireDirect skips when this test process cannot use the direct path
// at all (a signal ignored or blocked, e.g. go test under nohup): every
// service then goes through the launcher, which other tests cover.
func requireDirect(t *testing.T) {
	t.Helper()
	if !signalsClean() {
		t.Skip("this process ignores or blocks signals: no direct path")
	}
}

// A plain entry is started by the listener itself (issue: the launcher
// cost two thirds of the CPU per connection); one with a per-service
// script still goes through the launcher, which runs the script, and so
// does a plain entry once a script appears. What the service gets is the
// same either way (TestServiceSetupSame).
func TestDirectPath(t *testing.T) {
	requireDirect(t)
	d := watchDirect(t)
	id := me(t)
	show := `/bin/sh -c 'echo "X=$X"'`
	pPlain := freePort(t, "tcp4", "127.0.0.1")
	pScript := freePort(t, "tcp4", "127.0.0.1")
	pMods := freePort(t, "tcp4", "127.0.0.1")
	pBadMods := freePort(t, "tcp4", "127.0.0.1")
	root, s := newRoot(t, "tcp")
	writeTable(t, root, "tcp",
		entry("plain", "", id, hexAddr(t, "127.0.0.1", pPlain), "c", show)+
			entry("script", "", id, hexAddr(t, "127.0.0.1", pScript), "c", show)+
			fmt.Sprintf("mods::%s:reserved:reserved:reserved:%s::c:timod,tirdwr,sockmod:%s#\n", id, hexAddr(t, "127.0.0.1", pMods), show)+
			fmt.Sprintf("badmods::%s:reserved:reserved:reserved:%s::c:timod,ldterm:/bin/cat#\n", id, hexAddr(t, "127.0.0.1", pBadMods)))
	if err := os.WriteFile(root.ServiceScript("tcp", "script"), []byte("assign X=from-script\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startIn(t, root, s, options{args: []string{"-m", "tp", "tcp"}})

	check := func(t *testing.T, port int, code, x string, direct int) {
		t.Helper()
		out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", port)))
		if out != "X="+x+"\n" {
			t.Errorf("service printed %q, want X=%s", out, x)
		}
		if n := d.count(code); n != direct {
			t.Errorf("%s: %d direct starts, want %d", code, n, direct)
		}
	}
	t.Run("plain", func(t *testing.T) { check(t, pPlain, "plain", "", 1) })
	t.Run("script", func(t *testing.T) { check(t, pScript, "script", "from-script", 0) })
	// Modules that are no-ops on a socket are checked on the direct path.
	t.Run("mods", func(t *testing.T) { check(t, pMods, "mods", "", 1) })
	t.Run("badmods", func(t *testing.T) {
		if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pBadMods))); out != "" {
			t.Errorf("service printed %q", out)
		}
		r.waitLog(`; Can't push server's modules: exit\n`)
		if d.count("badmods") != 0 {
			t.Errorf("a service with a bad module was started")
		}
	})
	t.Run("script appears", func(t *testing.T) {
		// Scripts are looked for at every connection, not cached.
		if err := os.WriteFile(root.ServiceScript("tcp", "plain"), []byte("assign X=now\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		check(t, pPlain, "plain", "now", 1)
	})
}

func homeOf(t *testing.T, id string) string {
	t.Helper()
	u, err := user.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return u.HomeDir
}

// As root the direct path switches identity like the launcher: the
// user's uid, gid and own groups only, home, HOME and PATH; a home that
// is missing and an unknown user are logged with the launcher's texts.
// This is the re-verification of identCache.lookup's WARNING.
func TestDirectIdentity(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch identity")
	}
	requireDirect(t)
	d := watchDirect(t)
	pD := freePort(t, "tcp4", "127.0.0.1")
	pL := freePort(t, "tcp4", "127.0.0.1")
	pHome := freePort(t, "tcp4", "127.0.0.1")
	pUser := freePort(t, "tcp4", "127.0.0.1")
	cmd := `/bin/sh -c 'id; pwd; echo $HOME $PATH; umask'`
	root, s := newRoot(t, "tcp")
	writeTable(t, root, "tcp",
		entry("idd", "", "daemon", hexAddr(t, "127.0.0.1", pD), "c", cmd)+
			entry("idl", "", "daemon", hexAddr(t, "127.0.0.1", pL), "c", cmd)+
			entry("home", "", "nobody", hexAddr(t, "127.0.0.1", pHome), "c", "/bin/cat")+
			entry("user", "", "nosuchuser", hexAddr(t, "127.0.0.1", pUser), "c", "/bin/cat"))
	if err := os.WriteFile(root.ServiceScript("tcp", "idl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := startIn(t, root, s, options{})
	direct := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pD)))
	launched := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pL)))
	if !regexp.MustCompile(`^uid=1\(daemon\) gid=1\(daemon\) groups=1\(daemon\)\n/usr/sbin\n/usr/sbin /usr/bin:\n0022\n$`).MatchString(direct) {
		t.Errorf("direct path as daemon printed %q", direct)
	}
	if direct != launched {
		t.Errorf("direct path printed %q, the launcher %q", direct, launched)
	}
	if d.count("idd") != 1 || d.count("idl") != 0 {
		t.Errorf("direct starts: idd %d (want 1), idl %d (want 0)", d.count("idd"), d.count("idl"))
	}
	if _, err := os.Stat("/nonexistent"); err == nil {
		t.Log("/nonexistent exists; not checking the chdir failure")
	} else if home := homeOf(t, "nobody"); home == "/nonexistent" {
		if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pHome))); out != "" {
			t.Errorf("service printed %q", out)
		}
		r.waitLog(`; Cannot chdir to /nonexistent\n`)
	}
	if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pUser))); out != "" {
		t.Errorf("service printed %q", out)
	}
	r.waitLog(`; Missing or bad passwd entry for <nosuchuser>\n`)
	// The listener carries on.
	if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pD))); out != direct {
		t.Errorf("second connection printed %q", out)
	}
}

func TestDirectEnv(t *testing.T) {
	env := []string{"A=1", "PATH=/usr/sbin:/usr/bin", "A=2", "B=3", "NLSADDR=00"}
	got := directEnv(env, &ident{uid: 5, home: "/home/u"})
	if want := "A=1 PATH=/usr/bin: B=3 NLSADDR=00 HOME=/home/u"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = directEnv([]string{"HOME=/x", "PATH=/bin"}, &ident{uid: 0, home: "/root"})
	if want := "HOME=/root PATH=/usr/sbin:/usr/bin"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// connEnv, computed once per identity, is directEnv of the whole.
func TestConnEnv(t *testing.T) {
	conn := connVars("tcp", "tcp", &unix.SockaddrInet4{Port: 7, Addr: [4]byte{127, 0, 0, 1}})
	for _, base := range [][]string{
		{"A=1", "PATH=/usr/sbin:/usr/bin", "A=2", "B=3"},
		{"HOME=/x", "B=3"},
		{"B=3", "B=4"},
		nil,
	} {
		for _, it := range []*ident{{uid: 5, home: "/home/u"}, {uid: 0, home: "/root"}} {
			want := directEnv(append(slices.Clone(base), conn...), it)
			for range 2 { // the second time from the identity's cache
				if got := it.connEnv(base, conn); !slices.Equal(got, want) {
					t.Errorf("base %q uid %d: got %q, want %q", base, it.uid, got, want)
				}
			}
		}
	}
}

// Which identities the direct path takes itself, and what it caches.
func TestIdentCacheLookup(t *testing.T) {
	var c identCache
	if it, msg := c.lookup("nosuchuser", 0, 0); it != nil || msg != "Missing or bad passwd entry for <nosuchuser>" {
		t.Errorf("unknown user: %+v, %q", it, msg)
	}
	// Root switches to anyone, with the user's groups.
	it, msg := c.lookup("root", 0, 0)
	if it == nil || msg != "" || it.cred == nil || it.cred.Uid != 0 || it.cred.Gid != 0 || !slices.Contains(it.cred.Groups, 0) {
		t.Fatalf("root as root: %+v, %q", it, msg)
	}
	if again, _ := c.lookup("root", 0, 0); again != it {
		t.Errorf("identity not cached")
	}
	c.clear()
	if again, _ := c.lookup("root", 0, 0); again == it {
		t.Errorf("identity still cached after clear (re-read)")
	}
	// An unprivileged listener: another user is the launcher's (its
	// messages say which call failed), its own user needs no switch.
	if it, msg := (&identCache{}).lookup("root", 1, 1); it != nil || msg != "" {
		t.Errorf("root as uid 1: %+v, %q; want the launcher", it, msg)
	}
	if u, err := user.Lookup("daemon"); err == nil && u.Uid == "1" && u.Gid == "1" {
		it, msg := (&identCache{}).lookup("daemon", 1, 1)
		if it == nil || msg != "" || it.cred != nil || it.home != u.HomeDir {
			t.Errorf("daemon as daemon: %+v, %q; want no switch", it, msg)
		}
	}
}
