package saflog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixed() time.Time { return time.Date(2024, 11, 1, 4, 17, 0, 0, time.Local) }

func TestFormat(t *testing.T) {
	l := New(nil, Options{Now: fixed, Pid: func() int { return 1234 }})
	for msg, want := range map[string]string{
		"*** SAC starting ***": "Fri Nov  1 04:17:00 2024; 1234; *** SAC starting ***\n",
		"ends in newline\n":    "Fri Nov  1 04:17:00 2024; 1234; ends in newline\n",
		"100% sure":            "Fri Nov  1 04:17:00 2024; 1234; 100% sure\n",
	} {
		if got := l.Format(msg); got != want {
			t.Errorf("Format(%q) = %q, want %q", msg, got, want)
		}
	}
	ll := New(nil, Options{Now: fixed, Pid: func() int { return 7 }, Stamp: ListenTime})
	if got := ll.Format("x"); got != "11/01/24 04:17:00; 7; x\n" {
		t.Errorf("listen format = %q", got)
	}
	short := New(nil, Options{Now: fixed, Pid: func() int { return 1 }, MaxLine: 40})
	if got := short.Format(strings.Repeat("y", 100)); len(got) != 40 || !strings.HasSuffix(got, "\n") {
		t.Errorf("MaxLine: %q (%d bytes)", got, len(got))
	}
}

func TestWriteAppendsAndTees(t *testing.T) {
	path := filepath.Join(t.TempDir(), "_log")
	os.WriteFile(path, []byte("old line\n"), 0o644)
	var sys bytes.Buffer
	l, err := Open(path, 0o644, Options{Now: fixed, Pid: func() int { return 9 }, Syslog: &sys})
	if err != nil {
		t.Fatal(err)
	}
	l.Printf("port monitor <%s> %s", "a%s", "started")
	l.Close()
	got, _ := os.ReadFile(path)
	if string(got) != "old line\nFri Nov  1 04:17:00 2024; 9; port monitor <a%s> started\n" {
		t.Errorf("file = %q", got)
	}
	if sys.String() != "port monitor <a%s> started" {
		t.Errorf("syslog got %q", sys.String())
	}
}

func TestOpenRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.Symlink(target, filepath.Join(dir, "_log"))
	if _, err := Open(filepath.Join(dir, "_log"), 0o644, Options{}); err == nil {
		t.Fatal("Open followed a planted symlink")
	}
}
