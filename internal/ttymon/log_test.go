package ttymon

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLogFormat(t *testing.T) {
	dir := t.TempDir()
	l, err := openLog(filepath.Join(dir, "log"), 0o644, false)
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return time.Date(2024, 11, 7, 4, 17, 0, 0, time.Local) }
	l.pid = 1234
	l.Printf("PMTAG: %s", "zsmon")
	l.Write("ends in newline\n")
	l.Printf("100%% %s", "%d")
	l.Close()
	got, _ := os.ReadFile(filepath.Join(dir, "log"))
	want := "Thu Nov  7 04:17:00 2024; 1234; PMTAG: zsmon\n" +
		"Thu Nov  7 04:17:00 2024; 1234; ends in newline\n" +
		"Thu Nov  7 04:17:00 2024; 1234; 100% %d\n"
	if string(got) != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
}

func TestLogRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	l, err := openLog(path, 0o644, true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.max = 100
	l.Write(strings.Repeat("a", 120)) // grows past the threshold
	l.Write("second")                 // rotates first
	old, _ := os.ReadFile(filepath.Join(dir, "o.log"))
	cur, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(old), strings.Repeat("a", 120)+"\nRestarting log file\n") {
		t.Errorf("o.log:\n%s", old)
	}
	if !regexp.MustCompile(`^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}; \d+; second\n$`).Match(cur) {
		t.Errorf("log:\n%s", cur)
	}
	// A second rotation replaces o.log and leaves no t.log.
	l.Write(strings.Repeat("b", 120))
	l.Write("third")
	old, _ = os.ReadFile(filepath.Join(dir, "o.log"))
	if !strings.Contains(string(old), "second") || strings.Contains(string(old), "aaaa") {
		t.Errorf("o.log after the second rotation:\n%s", old)
	}
	if _, err := os.Stat(filepath.Join(dir, "t.log")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("t.log left behind: %v", err)
	}
}

func TestLogRotationFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	l, err := openLog(path, 0o644, true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.max = 10
	old := rename
	t.Cleanup(func() { rename = old })
	rename = func(from, to string) error { return errors.New("no") }
	l.Write(strings.Repeat("a", 20))
	l.Write("next")
	got, _ := os.ReadFile(path)
	if !strings.Contains(string(got), "Restarting log file\nrename log to old file failed\n") ||
		!strings.HasSuffix(string(got), "; next\n") {
		t.Errorf("log:\n%s", got)
	}
}
