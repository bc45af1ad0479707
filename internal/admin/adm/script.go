package adm

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/lockfile"
)

// ScriptMode is the mode of installed configuration scripts (sac.md 2).
const ScriptMode = 0o444

// InstallScript copies the script file src to dst (sac.md 11.4). It reports
// installed=false with a nil error when src is not a regular file: the
// original warns and carries on without setting an error code. The caller
// holds the admin lock.
func (c *Cmd) InstallScript(src, dst string) (installed bool, err error) {
	fi, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return false, Fail(exitcode.NoExist, "Invalid request, %s does not exist", src)
	}
	if err != nil {
		return false, Fail(exitcode.SysErr, "Could not stat %s: %s", src, exitcode.Strerror(err))
	}
	if !fi.Mode().IsRegular() {
		c.Warn("warning - %s not a regular file - ignored", src)
		return false, nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return false, Fail(exitcode.SysErr, "Invalid request, can not open %s: %s", src, exitcode.Strerror(err))
	}
	if err := lockfile.WriteFile(dst, data, ScriptMode); err != nil {
		return false, Fail(exitcode.SysErr, "error in writing tempfile for %s: %s", dst, exitcode.Strerror(err))
	}
	return true, nil
}

// PrintScript copies the installed script at path to stdout unchanged.
func (c *Cmd) PrintScript(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Fail(exitcode.NoExist, "Invalid request, script does not exist")
	}
	if err != nil {
		return Fail(exitcode.SysErr, "Invalid request, can not open script %s: %s", path, exitcode.Strerror(err))
	}
	defer f.Close()
	if _, err := io.Copy(c.Stdout, f); err != nil {
		return Fail(exitcode.SysErr, "could not print %s: %v", path, err)
	}
	return nil
}
