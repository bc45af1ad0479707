package adm

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/doconfig"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/lockfile"
)

// ScriptMode is the mode of installed configuration scripts.
const ScriptMode = 0o444

// InstallScript copies the script file src to dst
// (docs/original.md#file-rewriting-and-scripts). It reports installed=false
// with a nil error when src is not a regular file: the original warns and
// carries on without setting an error code. A script that does not parse is
// refused (see CheckScript). The caller holds the admin lock.
func (c *Cmd) InstallScript(src, dst string) (installed bool, err error) {
	fi, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return false, Fail(exitcode.NoExist, MsgDoesNotExist, src)
	}
	if err != nil {
		return false, Fail(exitcode.SysErr, MsgCouldNotStat+DetailErr, src, errno.Text(err))
	}
	if !fi.Mode().IsRegular() {
		c.Warn(msgNotRegularIgnored, src)
		return false, nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return false, Fail(exitcode.SysErr, msgCannotOpenFile+DetailErr, src, errno.Text(err))
	}
	// Checked again here, on the very bytes installed: the file may have
	// changed since CheckScript read it.
	if err := scriptError(src, data); err != nil {
		return false, err
	}
	if err := lockfile.WriteFile(dst, data, ScriptMode); err != nil {
		return false, ReplaceError(dst, err, msgErrorWritingTemp)
	}
	return true, nil
}

// ReplaceError words a failure of lockfile.WriteFile replacing path as the
// original worded the same step of its rewrite through a temp file:
// creating the temp file, writing it (writeMsg: the original said
// "error in writing tempfile" when installing a script and "error
// accessing temp file" when copying a table), closing it. The original
// failed the rename with no message at all; ours names the file.
func ReplaceError(path string, err error, writeMsg string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		switch pe.Op {
		case "open":
			return Fail(exitcode.SysErr, msgCannotCreateTemp+DetailPathErr, pe.Path, errno.Text(err))
		case "write", "chmod", "sync":
			return Fail(exitcode.SysErr, writeMsg+DetailPathErr, pe.Path, errno.Text(err))
		case "close":
			return Fail(exitcode.SysErr, msgErrorClosingTemp+DetailPathErr, pe.Path, errno.Text(err))
		}
	}
	return Fail(exitcode.SysErr, msgCouldNotReplace, path, errno.Text(err))
}

// RewriteError is ReplaceError for a table rewritten without a line or
// with a line changed (sacadm -r, pmadm -r, -e, -d).
func RewriteError(path string, err error) error {
	return ReplaceError(path, err, msgErrorAccessingTemp)
}

// CheckScript refuses, with exit 1, a script src that does not parse, so
// that a command installing it can stop before it changes anything. A
// script that cannot be read, or is not a regular file, passes: installing
// it reports that, with the original's messages and exit codes, at the
// point where the original did.
//
// DEVIATION: the original installed any file without a syntax check, and
// such a script then failed at every start of sac, of the port monitor or
// of the service it belongs to, far from the command that caused it.
func CheckScript(src string) error {
	fi, err := os.Stat(src)
	if err != nil || !fi.Mode().IsRegular() {
		return nil // InstallScript words it
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return nil // InstallScript words it
	}
	return scriptError(src, data)
}

// scriptError parses data, the script src, with the parser that runs it
// (and that sacadm -x --dry-run checks it with) and words the first bad
// line as the refusal of the request.
func scriptError(src string, data []byte) error {
	_, err := doconfig.Parse(bytes.NewReader(data))
	var le *doconfig.LineError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &le):
		return Fail(exitcode.BadArgs, msgBadScript+detailScriptLine, src, le.Line, le.Reason)
	}
	// Parse reads from memory: no other error can come back.
	return Fail(exitcode.BadArgs, msgBadScript+DetailErr, src, err)
}

// PrintScript copies the installed script at path to stdout unchanged.
func (c *Cmd) PrintScript(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return FailMsg(exitcode.NoExist, msgNoScript)
	}
	if err != nil {
		return Fail(exitcode.SysErr, msgCannotOpenScript+DetailPathErr, path, errno.Text(err))
	}
	defer f.Close()
	if _, err := io.Copy(c.Stdout, f); err != nil {
		return Fail(exitcode.SysErr, msgCannotPrint, path, err)
	}
	return nil
}
