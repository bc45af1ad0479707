package console

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/linux-saf/saf/internal/testpty"
)

func TestReadable(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "err"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	closed, err := os.Create(filepath.Join(t.TempDir(), "closed"))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	tty := testpty.Open(t).OpenSlave(t)
	for _, tt := range []struct {
		name string
		w    *os.File
		want bool
	}{
		{"/dev/null", null, false},
		{"a pipe", w, true},
		{"a file", file, true},
		{"a closed file", closed, false},
		{"a terminal", tty, true},
	} {
		if got := readable(tt.w); got != tt.want {
			t.Errorf("readable(%s) = %v", tt.name, got)
		}
	}
	if !readable(&bytes.Buffer{}) || readable(nil) {
		t.Error("readable is wrong for a buffer or nil")
	}
}

func TestWriteToStderr(t *testing.T) {
	for _, sandboxed := range []bool{false, true} {
		var b bytes.Buffer
		Write(&b, sandboxed, "test", "msg\n")
		if b.String() != "msg\n" {
			t.Errorf("sandboxed %v: stderr got %q", sandboxed, b.String())
		}
	}
	Write(nil, true, "test", "nowhere\n") // in a sandbox, never the console
}
