package sttydefs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/ttydefs"
)

// Defaults of -a, as in the original.
const (
	defaultInitial = "9600"
	defaultFinal   = "9600 sane"
)

// Modes of the table after a rewrite.
const (
	newFileMode     = 0o644
	removedFileMode = 0o444
)

// add is "sttydefs -a" (docs/original.md#sttydefs-add-and-remove).
func (c *command) add(o addOpts) error {
	if !c.root.Privileged(c.uid) {
		return failMsg(msgNotPriv)
	}
	// Refuse what would corrupt the table, before touching it.
	errs := []error{checkLabel(whatTTYLabel, o.label, false)}
	if o.hasNext {
		errs = append(errs, checkLabel(whatNextLabel, o.next, true))
	} else {
		o.next = o.label
	}
	if o.hasInitial {
		errs = append(errs, checkFlags(whatInitial, o.initial))
	} else {
		o.initial = defaultInitial
	}
	if o.hasFinal {
		errs = append(errs, checkFlags(whatFinal, o.final))
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
		return fail(msgLabelExists, o.label)
	}
	// Flag words are checked as ttymon will read them: escapes decoded.
	var bad []error
	for _, f := range []struct{ what, flags string }{{whatInitial, o.initial}, {whatFinal, o.final}} {
		decoded := ttydefs.Unescape(f.flags)
		// The original's stty parser stopped at the first word it did
		// not know, and only that one was named.
		if words := ttydefs.Validate(decoded); len(words) > 0 {
			bad = append(bad, fmt.Errorf(msgInvalidMode, words[0]))
		}
		if err := checkCharNumbers(f.what, f.flags, decoded); err != nil {
			bad = append(bad, err)
		}
	}
	if len(bad) > 0 {
		return failWith(errors.Join(bad...))
	}
	line := ttydefs.Entry{Label: o.label, Initial: o.initial, Final: o.final, Autobaud: o.autobaud, Next: o.next}
	text := entryLine(line)
	if _, err := ttydefs.ParseLine(text); err != nil {
		// The checks above make this unreachable; never write a line the
		// readers would reject.
		return fail(msgNewEntryBroken, err)
	}
	text += "\n"

	if !t.exists {
		return writeTable(t.path, []byte(admfile.Stamp(ttydefs.Version)+text), newFileMode, false)
	}
	return writeTable(t.path, admfile.AppendLine(t.data, text), lockfile.ModeOf(t.path, newFileMode), false)
}

// entryLine is the line -a appends for e, as the original wrote it, without its
// newline: the fields as given, which the checks have made safe to write
// unescaped.
func entryLine(e ttydefs.Entry) string {
	autobaud := ""
	if e.Autobaud {
		autobaud = "A"
	}
	return strings.Join([]string{e.Label, e.Initial, e.Final, autobaud, e.Next}, ":")
}

// remove is "sttydefs -r label" (docs/original.md#sttydefs-add-and-remove).
// args are all the arguments: -r is only valid as the whole command line.
func (c *command) remove(args []string, label string) error {
	if len(args) > 2 {
		return &adm.UsageError{}
	}
	if !c.root.Privileged(c.uid) {
		return failMsg(msgNotPriv)
	}
	if err := checkLabel(whatTTYLabel, label, false); err != nil {
		return failWith(err)
	}
	t, err := c.openTable(false)
	if err != nil {
		return err
	}
	defer t.lock.Close()
	n := ttydefs.FindLabel(t.data, label)
	if n == 0 {
		return fail(msgLabelNotExist, label)
	}
	return writeTable(t.path, admfile.RemoveLine(t.data, n), removedFileMode, true)
}

// lockName is the lock file next to the table that -a and -r hold for
// their whole read-modify-write.
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
		err = fail(msgBadVersion, t.path)
	case t.exists, missingOK && errors.Is(err, fs.ErrNotExist):
		t.lock = lock
		return t, nil
	default:
		err = couldNotOpen(t.path, err)
	}
	lock.Close()
	return nil, err
}

// writeTable replaces the table atomically and words the failures as the
// original did at the same step. -a (viaTemp false) appended to the table,
// and only opening it could fail; -r (viaTemp true) copied it through a
// temp file and renamed that.
func writeTable(path string, data []byte, mode os.FileMode, viaTemp bool) error {
	err := lockfile.WriteFile(path, data, mode)
	var le *os.LinkError
	var pe *fs.PathError
	switch {
	case err == nil:
		return nil
	case !viaTemp:
		return couldNotOpen(path, err)
	case errors.As(err, &le):
		return fail(msgRenameFailed, errno.Text(le.Err))
	case errors.As(err, &pe) && pe.Op == "open":
		return fail(msgCannotCreateTemp+detailPath, errno.Text(err), pe.Path)
	case errors.As(err, &pe) && pe.Op == "close":
		return fail(msgClosingTemp+detailPath+detailPath, pe.Path, errno.Text(err))
	case errors.As(err, &pe):
		return fail(msgAccessingTemp+detailPath+detailPath, pe.Path, errno.Text(err))
	}
	return fail(msgAccessingTemp+detailPath, errno.Text(err))
}

// couldNotOpen is the original's open failure message.
func couldNotOpen(path string, err error) error {
	return fail(msgCouldNotOpen, path, errno.Text(err))
}

// checkLabel refuses a ttylabel or nextlabel that the table cannot hold as
// written: in a token field ':' ends the field, '#' starts a comment, '\'
// starts an escape, a blank ends the token and a newline ends the entry. An
// empty ttylabel names nothing.
func checkLabel(what, v string, emptyOK bool) error {
	if v == "" && !emptyOK {
		return fmt.Errorf(msgEmptyLabel, what, v)
	}
	if strings.ContainsAny(v, ":#\\ \t\n\r\v\f") {
		return fmt.Errorf(msgLabelChars, what, v)
	}
	return nil
}

// checkFlags refuses a flags value that would corrupt its entry: a newline,
// an unescaped ':' (ends the field) or '#' (starts a comment), or a lone
// '\' at the end (it would escape the ':' after it).
func checkFlags(what, v string) error {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\n':
			return fmt.Errorf(msgFlagsNewline, what, v)
		case ':', '#':
			return fmt.Errorf(msgFlagsSeparator, what, v)
		case '\\':
			if i+1 == len(v) {
				return fmt.Errorf(msgFlagsBackslash, what, v)
			}
			i++ // the escaped character
			if v[i] == '\n' {
				return fmt.Errorf(msgFlagsNewline, what, v)
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
					return fmt.Errorf(msgCharRange, what, raw, w, maxCC)
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
