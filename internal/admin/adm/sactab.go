package adm

import (
	"errors"
	"io/fs"
	"os"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/sactab"
)

// SacTab is _sactab as read by an admin command.
type SacTab struct {
	Data    []byte
	Entries []sactab.Entry
	Path    string
}

// ReadSacTab reads _sactab and checks its stamp, as every sacadm and pmadm
// invocation does first.
func (c *Cmd) ReadSacTab() (*SacTab, error) {
	path := c.Root.SacTab()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Fail(exitcode.SysErr, msgCouldNotOpen+DetailErr, path, errno.Text(err))
	}
	v, err := admfile.Version(data)
	if err != nil {
		return nil, Fail(exitcode.SafErr, MsgFileCorrupt+DetailNoStamp, path)
	}
	if v != sactab.Version {
		return nil, Fail(exitcode.SafErr, msgSactabVersion+detailSactabVersion, path, v, c.Prog, sactab.Version)
	}
	return &SacTab{Data: data, Entries: sactab.Parse(data), Path: path}, nil
}

// Walk visits entries in file order the way the original reader does: each
// line's warnings are printed as it is read, and a corrupt line or an
// unknown flag stops the walk with exit 3
// (docs/original.md#how-the-admin-commands-read-tables). visit returns true
// to stop early.
func (c *Cmd) Walk(t *SacTab, visit func(e *sactab.Entry) bool) error {
	for i := range t.Entries {
		e := &t.Entries[i]
		c.Warnings(e.Warnings)
		if e.Err != nil {
			return Fail(exitcode.SafErr, MsgSactabCorrupt+detailLineError, t.Path, e.Err)
		}
		if e.BadFlags != "" {
			return Fail(exitcode.SafErr, MsgUnrecognizedFlag+DetailFileLine, e.BadFlags[0], t.Path, e.Line)
		}
		if visit(e) {
			return nil
		}
	}
	return nil
}

// Find returns the first entry with tag, reading no further than it.
func (c *Cmd) Find(t *SacTab, tag string) (*sactab.Entry, error) {
	var found *sactab.Entry
	err := c.Walk(t, func(e *sactab.Entry) bool {
		if e.Tag == tag {
			found = e
			return true
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, Fail(exitcode.NoExist, MsgDoesNotExist, tag)
	}
	return found, nil
}

// OfType returns the entries of type pmtype in reverse file order, as the
// original builds its list, or all entries when pmtype is "".
func (c *Cmd) OfType(t *SacTab, pmtype string) ([]*sactab.Entry, error) {
	var out []*sactab.Entry
	err := c.Walk(t, func(e *sactab.Entry) bool {
		if pmtype == "" || e.Type == pmtype {
			out = append([]*sactab.Entry{e}, out...)
		}
		return false
	})
	return out, err
}

// SacRunning tests the record lock sac holds on /var/saf/_log
// (docs/original.md#is-sac-running). A log that cannot be opened, a missing
// one included, gives the original's warning and "no".
func (c *Cmd) SacRunning() bool {
	path := c.Root.SacLog()
	_, locked, err := recordLocked(path)
	if errors.Is(err, fs.ErrPermission) {
		// sac keeps its log mode 0600 (sac(8)), so that nobody else can
		// lock it. Only root and sac's user may test that lock, and only
		// they may use the admin socket; anyone else goes by the socket,
		// and a request to it is refused ("Can not contact SAC"). The
		// original sacadm was set-uid root and could always open the log.
		_, serr := os.Lstat(c.Root.CmdPipe())
		return serr == nil
	}
	if err != nil {
		c.Warn(msgCannotAscertain+DetailPathErr, path, errno.Text(err))
		return false
	}
	return locked
}

var recordLocked = lockfile.RecordLocked

// Warnings prints the warnings a table reader gave for a line, such as
// "tag too long, truncated to <...>". The original printed
// those read from a file without a newline, so that the next message ran
// on after them; here each is a line of its own.
func (c *Cmd) Warnings(ws []string) {
	for _, w := range ws {
		c.Warn(fmtText, w)
	}
}
