package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
)

// TestImportInetd: nlsadmin --import-inetd (ours) turns an inetd.conf
// into a script; the script, run with the built programs on PATH in a
// SAF_ROOT sandbox, creates a listen port monitor under a running sac
// whose services answer on loopback: a plain command (/bin/cat, its port
// a service name from SAF_SERVICES) and the internal echo (tcp and udp)
// and daytime services. An rpc line is left out (exit 1). Running the
// script again changes nothing.
func TestImportInetd(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	var bin string
	for _, p := range []string{"sac", "listen", "sacadm", "pmadm", "nlsadmin"} {
		bin = filepath.Dir(testexec.Bin(t, p))
	}
	startSac(t, sb)

	pCat := lport(t, "tcp4", "127.0.0.1")
	pEcho := lport(t, "tcp4", "127.0.0.1")
	pDaytime := lport(t, "tcp4", "127.0.0.1")
	dir := t.TempDir()
	services := filepath.Join(dir, "services")
	conf := filepath.Join(dir, "inetd.conf")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// echo and daytime get free ports of their own: the importer takes an
	// internal service from its name, and the ports come from the
	// services file, as for the command service e2ecat.
	pUDP := uport(t, "127.0.0.1")
	write(services, fmt.Sprintf("e2ecat\t%d/tcp\necho\t%d/tcp\necho\t%d/udp\ndaytime\t%d/tcp\n", pCat, pEcho, pUDP, pDaytime))
	write(conf, fmt.Sprintf(`# imported by e2e TestImportInetd
127.0.0.1:e2ecat	stream	tcp	nowait	%[1]s	/bin/cat	cat
127.0.0.1:echo	stream	tcp	nowait	%[1]s	internal
127.0.0.1:daytime	stream	tcp	nowait	%[1]s	internal
127.0.0.1:echo	dgram	udp	wait	%[1]s	internal
rusers/1-3	dgram	rpc/udp	wait	%[1]s	/usr/lib/rpc.rusersd	rpc.rusersd
`, id))

	env := append(sb.Env(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "SAF_SERVICES="+services)
	run := func(name string, stdin io.Reader, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		cmd := exec.Command(name, args...)
		cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, stdin, &out, &errb
		err := cmd.Run() // before reading out and errb
		return out.String(), errb.String(), exitCode(err)
	}

	script, errs, code := run(filepath.Join(bin, "nlsadmin"), nil, "--import-inetd", conf)
	if code != 1 || !strings.Contains(errs, conf+":6: not imported: rpc/udp: RPC services are not imported") {
		t.Fatalf("nlsadmin --import-inetd: exit %d, want 1 (the rpc line), stderr:\n%s\nstdout:\n%s", code, errs, script)
	}
	t.Logf("script:\n%s", script)
	if out, errs, code := run("sh", strings.NewReader(script), "-s"); code != 0 {
		t.Fatalf("the script: exit %d\n%s%s", code, out, errs)
	}
	waitState(t, sb, "tcp", "ENABLED")

	cat := fmt.Sprintf("127.0.0.1:%d", pCat)
	waitFor(t, "the imported cat service", func() bool {
		c, err := net.DialTimeout("tcp4", cat, time.Second)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "ping\n")
		b := make([]byte, 5)
		_, err = io.ReadFull(c, b)
		return err == nil && string(b) == "ping\n"
	})
	lecho(t, ldial(t, "tcp4", cat), "imported from inetd.conf")

	// The table as the script left it: what nlsadmin -v lists.
	out, errs, code := run(filepath.Join(bin, "nlsadmin"), nil, "-v", "tcp")
	if code != 0 {
		t.Fatalf("nlsadmin -v tcp: exit %d: %s", code, errs)
	}
	for _, want := range []string{"\t/bin/cat\t# imported from inetd.conf line 2\n", "\tinternal=echo:\t# imported from inetd.conf line 3\n", "\tinternal=daytime:\t# imported from inetd.conf line 4\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("nlsadmin -v tcp lacks %q:\n%s", want, out)
		}
	}

	// Again: everything exists, nothing changes.
	before := readString(t, sb.Path("/etc/saf/tcp/_pmtab"))
	if out, errs, code := run("sh", strings.NewReader(script), "-s"); code != 0 {
		t.Fatalf("the script, run again: exit %d\n%s%s", code, out, errs)
	}
	if after := readString(t, sb.Path("/etc/saf/tcp/_pmtab")); after != before {
		t.Errorf("running the script again changed _pmtab:\n%s\nto\n%s", before, after)
	}

	t.Run("internal", func(t *testing.T) {
		echo := fmt.Sprintf("127.0.0.1:%d", pEcho)
		c, err := net.DialTimeout("tcp4", echo, 5*time.Second)
		if err != nil {
			t.Fatalf("dial the internal echo service: %v\n%s", err, pmLog(sb, "tcp"))
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		lecho(t, c, "echo, answered by listen itself")
		d := lreadAll(t, ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pDaytime)))
		// RFC 867 as inetd answers it: ctime() text and CR LF, 26 bytes.
		if _, err := time.Parse("Mon Jan _2 15:04:05 2006\r\n", d); err != nil || len(d) != 26 {
			t.Errorf("daytime answered %q: %v", d, err)
		}
		// udp echo: the datagram comes back.
		u, err := net.Dial("udp4", fmt.Sprintf("127.0.0.1:%d", pUDP))
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		u.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(u, "datagram"); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 64)
		if n, err := u.Read(b); err != nil || string(b[:n]) != "datagram" {
			t.Errorf("udp echo answered %q, %v", b[:n], err)
		}
	})
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
