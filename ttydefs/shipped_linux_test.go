package ttydefs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestShippedFile checks install/etc/ttydefs: it carries the version stamp,
// parses without a diagnostic, every hunt chain closes, and every word
// applies on Linux with no ignored word and no unsupported speed.
func TestShippedFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "install", "etc", "ttydefs"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("# VERSION=1\n")) {
		t.Error("first line is not # VERSION=1")
	}
	if err := CheckVersion(data); err != nil {
		t.Error(err)
	}
	entries, diags, err := Parse(bytes.NewReader(data))
	if err != nil || len(diags) != 0 {
		t.Fatalf("Parse: %v %q", err, diags)
	}
	tab := NewTable(entries)
	if len(tab.Entries()) != len(entries) {
		t.Error("duplicate labels")
	}
	if d := tab.Dangling(); len(d) != 0 {
		t.Errorf("dangling nextlabels: %+v", d)
	}
	for _, e := range entries {
		if _, closed := tab.Chain(e.Label); !closed {
			t.Errorf("chain from %s does not close", e.Label)
		}
		for _, flags := range []string{e.Initial, e.Final} {
			var tio unix.Termios
			rep, err := Apply(&tio, flags)
			if err != nil || rep.Ignored != nil || rep.Unsupported != nil {
				t.Errorf("%s: %q: %v %+v", e.Label, flags, err, rep)
			}
		}
	}
	for _, label := range []string{"115200", "9600", "9600E", "auto", "console", "console1", "contty", "9600H", "conttyH"} {
		if _, ok := tab.Lookup(label); !ok {
			t.Errorf("no %s entry", label)
		}
	}
	if entries[0].Label != "115200" {
		t.Errorf("first entry %s, want 115200", entries[0].Label)
	}
}
