package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"golang.org/x/sys/unix"
)

// make demo (scripts/demo.sh), run as a user would: the line shows a login
// prompt through the other end of the cable, the network service answers,
// and Ctrl-C (SIGINT to the foreground process group) leaves nothing
// running.
func TestDemo(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the demo builds its null-modem helper with go")
	}
	var binDir string
	for _, p := range []string{"sac", "ttymon", "listen", "sacadm", "pmadm", "ttyadm", "nlsadmin"} {
		binDir = filepath.Dir(testexec.Bin(t, p))
	}
	root := t.TempDir()
	port := lport(t, "tcp4", "127.0.0.1")
	cmd := exec.Command("bash", "../scripts/demo.sh")
	cmd.Env = append(os.Environ(), "SAF_DEMO_ROOT="+root, "SAF_DEMO_BIN="+binDir, fmt.Sprintf("SAF_DEMO_PORT=%d", port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, as a shell job
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		done <- cmd.Wait()
	}()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}()
	var shown []string
	timeout := time.After(60 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("demo ended early:\n%s", strings.Join(shown, "\n"))
			}
			shown = append(shown, l)
			if l == "demo: ready" {
				break wait
			}
		case <-timeout:
			t.Fatalf("demo not ready:\n%s", strings.Join(shown, "\n"))
		}
	}
	text := strings.Join(shown, "\n")
	for _, want := range []string{"ENABLED    ", "lines          ttymon", "tcp            listen", "picocom -q " + root + "/dev/term"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}

	// The other end of the cable: Enter gives the issue text and a prompt.
	fd, err := unix.Open(root+"/dev/term", unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	term := os.NewFile(uintptr(fd), "term")
	defer term.Close()
	if tio, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		tio.Iflag, tio.Oflag, tio.Lflag = 0, 0, 0
		tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 0, 2
		unix.IoctlSetTermios(fd, unix.TCSETS, tio)
	}
	term.Write([]byte("\r"))
	var got []byte
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(string(got), "login: ") && time.Now().Before(deadline) {
		buf := make([]byte, 256)
		n, _ := term.Read(buf)
		got = append(got, buf[:n]...)
	}
	if !strings.Contains(string(got), "Service Access Facility demo line") || !strings.HasSuffix(string(got), "login: ") {
		t.Errorf("the line shows %q", got)
	}

	// The network service.
	c, err := net.DialTimeout("tcp4", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "ping\n\n")
	reply, _ := io.ReadAll(c)
	c.Close()
	if !strings.HasPrefix(string(reply), "Hello from listen, service hello") || !strings.Contains(string(reply), "you said: ping\n") {
		t.Errorf("service answered %q", reply)
	}

	// Ctrl-C: SIGINT to the whole foreground group.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop on SIGINT")
	}
	for l := range lines {
		shown = append(shown, l)
	}
	if !strings.Contains(strings.Join(shown, "\n"), "demo: done; nothing is left running") {
		t.Errorf("no closing line:\n%s", strings.Join(shown, "\n"))
	}
	// Nothing of the demo runs any more: no process has its sandbox in
	// its command line or environment, and the port is closed.
	left := []string{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err == nil && strings.Contains(string(b), "SAF_ROOT="+root+"\x00") {
			cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			left = append(left, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	if len(left) > 0 {
		t.Errorf("still running after Ctrl-C:\n%s", strings.Join(left, "\n"))
	}
	if c, err := net.DialTimeout("tcp4", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
		c.Close()
		t.Errorf("the service port is still open")
	}
}
