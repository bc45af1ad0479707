package adm

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

// TestReplaceError: a failed rewrite is worded as the original worded the
// same step of its temp-file copy, the file and the reason
// after its text.
func TestReplaceError(t *testing.T) {
	const path, tmp = "/etc/saf/_sactab", "/etc/saf/._sactab"
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: tmp, Err: syscall.EACCES}, "cannot create tempfile: /etc/saf/._sactab: Permission denied"},
		{&fs.PathError{Op: "write", Path: tmp, Err: syscall.ENOSPC}, "error accessing temp file: /etc/saf/._sactab: No space left on device"},
		{&fs.PathError{Op: "sync", Path: tmp, Err: syscall.EIO}, "error accessing temp file: /etc/saf/._sactab: Input/output error"},
		{&fs.PathError{Op: "close", Path: tmp, Err: syscall.EIO}, "error closing tempfile: /etc/saf/._sactab: Input/output error"},
		{&os.LinkError{Op: "rename", Old: tmp, New: path, Err: syscall.EXDEV}, "could not replace /etc/saf/_sactab: Invalid cross-device link"},
		{errors.New("odd"), "could not replace /etc/saf/_sactab: odd"},
	} {
		if got := RewriteError(path, tt.err).Error(); got != tt.want {
			t.Errorf("RewriteError(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	got := ReplaceError(path, &fs.PathError{Op: "write", Path: tmp, Err: syscall.ENOSPC}, msgErrorWritingTemp).Error()
	if want := "error in writing tempfile: /etc/saf/._sactab: No space left on device"; got != want {
		t.Errorf("ReplaceError for a script = %q, want %q", got, want)
	}
}
