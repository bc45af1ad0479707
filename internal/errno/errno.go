// Package errno gives the C library's text for a system error, as the
// original programs printed it (strerror(3)) in their messages and logs.
package errno

import (
	"errors"
	"io/fs"
	"syscall"
)

// Text returns the C library's text for the errno inside err ("No such
// file or directory"): Go's errno texts are glibc's with the first letter
// in lower case. Without an errno, the text of the innermost
// *fs.PathError's error, or err's own, is used, so a path is never
// printed twice.
func Text(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		s := e.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
