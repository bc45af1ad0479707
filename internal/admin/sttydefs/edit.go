package sttydefs

import (
	"errors"
	"fmt"
	"github.com/linux-saf/saf/internal/errno"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/ttydefs"
)

// Defaults of -a (ttymon.md 6.2).
const (
	defaultInitial = "9600"
	defaultFinal   = "9600 sane"
)

// Modes of the table after a rewrite (ttymon.md 6.2, 6.3).
const (
	newFileMode     = 0o644
	removedFileMode = 0o444
)

// add is "sttydefs -a" (ttymon.md 6.2).
func (c *command) add(o addOpts) error {
	if !c.root.Privileged(c.uid) {
		return fail("User not privileged for operation.")
	}
	// linux.md D7: refuse what would corrupt the table, before touching it.
	errs := []error{checkLabel("ttylabel", o.label, false)}
	if o.hasNext {
		errs = append(errs, checkLabel("nextlabel", o.next, true))
	} else {
		o.next = o.label
	}
	if o.hasInitial {
		errs = append(errs, checkFlags("initial flags", o.initial))
	} else {
		o.initial = defaultInitial
	}
	if o.hasFinal {
		errs = append(errs, checkFlags("final flags", o.final))
	} else {
		o.final = defaultFinal
	}
	if err := errors.Join(errs...); err != nil {
		return failWith(err)
	}

	t, err := c.openTable(true)
	if err != nil {
		return err
	}
	defer t.lock.Close()
	if t.exists && ttydefs.FindLabel(t.data, o.label) > 0 {
		return fail("Invalid request -- ttylabel %s already exists.", o.label)
	}
	// Flag words are checked as ttymon will read them: escapes decoded.
	var bad []error
	for _, f := range []struct{ what, flags string }{{"initial flags", o.initial}, {"final flags", o.final}} {
		decoded := ttydefs.Unescape(f.flags)
		for _, w := range ttydefs.Validate(decoded) {
			bad = append(bad, errors.New(ttydefs.InvalidModeMessage(w)))
		}
		if err := checkCharNumbers(f.what, f.flags, decoded); err != nil {
			bad = append(bad, err)
		}
	}
	if len(bad) > 0 {
		return failWith(errors.Join(bad...))
	}
	autobaud := ""
	if o.autobaud {
		autobaud = "A"
	}
	line := o.label + ":" + o.initial + ":" + o.final + ":" + autobaud + ":" + o.next
	if _, err := ttydefs.ParseLine(line); err != nil {
		// The checks above make this unreachable; never write a line the
		// readers would reject.
		return fail("internal error: the new entry would not parse: %v", err)
	}
	line += "\n"

	if !t.exists {
		return writeTable(t.path, []byte(admfile.Stamp(ttydefs.Version)+line), newFileMode)
	}
	return writeTable(t.path, admfile.AppendLine(t.data, line), lockfile.ModeOf(t.path, newFileMode))
}

// remove is "sttydefs -r label" (ttymon.md 6.3). args are all the
// arguments: -r is only valid as the whole command line.
func (c *command) remove(args []string, label string) error {
	if len(args) > 2 {
		return &adm.UsageError{}
	}
	if !c.root.Privileged(c.uid) {
		return fail("User not privileged for operation.")
	}
	if err := checkLabel("ttylabel", label, false); err != nil {
		return failWith(err)
	}
	t, err := c.openTable(false)
	if err != nil {
		return err
	}
	defer t.lock.Close()
	n := ttydefs.FindLabel(t.data, label)
	if n == 0 {
		return fail("Invalid request, ttylabel %s does not exist.", label)
	}
	return writeTable(t.path, admfile.RemoveLine(t.data, n), removedFileMode)
}

// lockName is the lock file next to the table that -a and -r hold for
// their whole read-modify-write (linux.md D8).
const lockName = ".ttydefs.lock"

// table is /etc/ttydefs as read under its lock; Close the lock when the
// change is written.
type table struct {
	path   string
	data   []byte
	exists bool
	lock   *lockfile.Lock
}

// openTable takes the table's lock and reads the table. A missing table is
// an error unless missingOK; a table without the right version stamp is
// refused.
func (c *command) openTable(missingOK bool) (*table, error) {
	t := &table{path: c.root.TtyDefs()}
	lp := filepath.Join(filepath.Dir(t.path), lockName)
	lock, err := lockfile.Acquire(lp)
	if err != nil {
		return nil, couldNotOpen(lp, err)
	}
	t.data, err = os.ReadFile(t.path)
	t.exists = err == nil
	switch {
	case t.exists && ttydefs.CheckVersion(t.data) != nil:
		err = fail("%s version number is incorrect or missing.", t.path)
	case t.exists, missingOK && errors.Is(err, fs.ErrNotExist):
		t.lock = lock
		return t, nil
	default:
		err = couldNotOpen(t.path, err)
	}
	lock.Close()
	return nil, err
}

// writeTable replaces the table atomically (linux.md D8) and words the
// failures as the original did where it had a message.
func writeTable(path string, data []byte, mode os.FileMode) error {
	err := lockfile.WriteFile(path, data, mode)
	var le *os.LinkError
	var pe *fs.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &le):
		return fail("Rename failed: %s", errno.Text(le.Err))
	case errors.As(err, &pe) && pe.Op == "open":
		return couldNotOpen(pe.Path, err)
	case errors.As(err, &pe):
		return fail("%s %s: %s", pe.Op, pe.Path, errno.Text(pe.Err))
	}
	return fail("%v", err)
}

// couldNotOpen is the original's open failure message.
func couldNotOpen(path string, err error) error {
	return fail("Could not open %q: %s", path, errno.Text(err))
}

// checkLabel refuses a ttylabel or nextlabel that the table cannot hold
// as written (linux.md D7): in a token field ':' ends the field, '#' starts
// a comment, '\' starts an escape, a blank ends the token and a newline
// ends the entry. An empty ttylabel names nothing.
func checkLabel(what, v string, emptyOK bool) error {
	if v == "" && !emptyOK {
		return fmt.Errorf("invalid %s %q: it must not be empty", what, v)
	}
	if strings.ContainsAny(v, ":#\\ \t\n\r\v\f") {
		return fmt.Errorf(`invalid %s %q: it must not contain ':', '#', '\', blanks or newlines`, what, v)
	}
	return nil
}

// checkFlags refuses a flags value that would corrupt its entry (linux.md
// D7): a newline, an unescaped ':' (ends the field) or '#' (starts a
// comment), or a lone '\' at the end (it would escape the ':' after it).
func checkFlags(what, v string) error {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\n':
			return fmt.Errorf("invalid %s %q: newlines are not allowed", what, v)
		case ':', '#':
			return fmt.Errorf(`invalid %s %q: write ':' as \: and '#' as \#`, what, v)
		case '\\':
			if i+1 == len(v) {
				return fmt.Errorf(`invalid %s %q: it ends in a lone '\'`, what, v)
			}
			i++ // the escaped character
			if v[i] == '\n' {
				return fmt.Errorf("invalid %s %q: newlines are not allowed", what, v)
			}
		}
	}
	return nil
}

// maxCC is the largest value of a control character (a cc_t, one byte).
const maxCC = 255

// checkCharNumbers refuses a min or time value whose number does not fit
// the byte it is stored in. ttymon reads the leading digits of such a
// value and keeps them modulo 256, as the original did, so "min 300" would
// set min to 44 in silence; a table may keep the original's reading, but a
// value typed now is refused. raw is the flags as given, for the message;
// decoded the same with escapes decoded, as ttymon reads them.
func checkCharNumbers(what, raw, decoded string) error {
	words := ttydefs.Fields(decoded)
	for i := 0; i+1 < len(words); i++ {
		if !takesValue(words[i]) {
			continue
		}
		if w, v := words[i], words[i+1]; w == "min" || w == "time" {
			n := 0
			for j := 0; j < len(v) && '0' <= v[j] && v[j] <= '9'; j++ {
				if n = n*10 + int(v[j]-'0'); n > maxCC {
					return fmt.Errorf("invalid %s %q: %s takes a number from 0 to %d", what, raw, w, maxCC)
				}
			}
		}
		i++ // the value is not a word of its own: "erase min" sets erase
	}
	return nil
}

// takesValue reports whether word makes the stty parser take the next word
// as its value (a control character or window size word). It asks the
// parser itself rather than keeping a second list of such words: after
// such a word even a word that is never valid on its own passes.
func takesValue(word string) bool {
	const never = "\x00" // no stty word, and no encoded one
	return len(ttydefs.Validate(word+" "+never)) == 0
}
