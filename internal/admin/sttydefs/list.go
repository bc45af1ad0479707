package sttydefs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/ttydefs"
)

// list is "sttydefs -l [label]" (docs/original.md#sttydefs-listing). args
// are all the arguments: the label is read from them directly, as the
// original did.
func (c *command) list(args []string) error {
	if len(args) > 2 {
		return &adm.UsageError{}
	}
	label, one := "", false
	switch len(args) {
	case 2:
		label, one = args[1], true
		if strings.HasPrefix(label, "-") {
			return &adm.UsageError{Msg: fmt.Sprintf(msgInvalidArgument, label)}
		}
	case 1:
		if rest, ok := strings.CutPrefix(args[0], "-l"); ok && rest != "" {
			label, one = rest, true // the glued form -llabel
		}
	}

	path := c.root.TtyDefs()
	data, err := os.ReadFile(path)
	if err != nil {
		return fail(msgCannotOpenTable, path)
	}
	if ttydefs.CheckVersion(data) != nil {
		return fail(msgBadVersion, path)
	}
	w := bufio.NewWriter(c.stdout)
	if one {
		err = listOne(w, data, label)
	} else {
		listAll(w, data)
	}
	if ferr := w.Flush(); ferr != nil && err == nil {
		err = fail(msgCannotWrite, ferr)
	}
	return err
}

// listAll prints every entry line, then the nextlabels that name nothing.
func listAll(w io.Writer, data []byte) {
	d := ttydefs.NewDecoder(bytes.NewReader(data))
	var loaded []ttydefs.Entry
	for {
		rec, ok := d.Next()
		if !ok {
			break
		}
		if rec.Full {
			logf(w, msgTableFull, ttydefs.MaxEntries)
			break
		}
		printRecord(w, rec)
		if rec.Loaded() {
			loaded = append(loaded, rec.Entry)
		}
	}
	// A read error cannot happen on a byte slice.
	fmt.Fprint(w, listEnd)
	for _, e := range ttydefs.NewTable(loaded).Dangling() {
		logf(w, msgDangling, e.Next, e.Label)
	}
}

// listOne prints the first entry line for label. Labels are compared as
// ttymon reads them, truncated to ttydefs.MaxLabel bytes.
func listOne(w *bufio.Writer, data []byte, label string) error {
	want := label
	if len(want) > ttydefs.MaxLabel {
		want = want[:ttydefs.MaxLabel]
	}
	d := ttydefs.NewDecoder(bytes.NewReader(data))
	var loaded []ttydefs.Entry
	printed := false
	for {
		rec, ok := d.Next()
		if !ok || rec.Full {
			break
		}
		if !printed && rec.Entry.Label == want {
			printRecord(w, rec)
			printed = true
		}
		if rec.Loaded() {
			loaded = append(loaded, rec.Entry)
		}
	}
	tab := ttydefs.NewTable(loaded)
	e, ok := tab.Lookup(want)
	if !ok {
		return fail(msgLabelNotFound, label)
	}
	if _, ok := tab.Lookup(e.Next); !ok {
		// The label as given, as the original printed it.
		fmt.Fprintf(w, fmtDanglingOne, e.Next, label)
	}
	return nil
}

// logf prints one message of the listing as the original's log() did:
// on standard output, with a newline after it.
func logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, fmtLine, fmt.Sprintf(format, args...))
}

// printRecord prints one line of the file and what it parses to.
func printRecord(w io.Writer, rec ttydefs.Record) {
	if rec.Line.TooLong {
		logf(w, msgEntryTooLong)
	}
	dashes := strings.Repeat(recordDash, len(rec.Line.Text))
	fmt.Fprintf(w, fmtRecordHeader, dashes, rec.Line.Text, dashes)
	if err := rec.Err; err != nil {
		// The original's stty parser stopped at the first word it did
		// not know, and only that one was named.
		if len(err.Modes) > 0 {
			logf(w, msgInvalidMode, err.Modes[0])
		}
		logf(w, msgParseFailure, fieldNames[err.Field], err.Text[:cutAt(err)])
		return
	}
	e := rec.Entry
	autobaud := autobaudNo
	if e.Autobaud {
		autobaud = autobaudYes
	}
	fmt.Fprintf(w, fmtEntry, e.Label, e.Initial, e.Final, autobaud, e.Next)
	if rec.Dup {
		logf(w, msgDuplicate, e.Label)
	}
}

// fieldNames are the names parse failures give the fields.
var fieldNames = map[ttydefs.Field]string{
	ttydefs.FieldLabel:    fieldTTYLabel,
	ttydefs.FieldInitial:  fieldInitial,
	ttydefs.FieldFinal:    fieldFinal,
	ttydefs.FieldAutobaud: fieldAutobaud,
	ttydefs.FieldNext:     fieldNext,
}

// cutAt returns where the original cut the line it showed for the parse
// failure err: just after the character its reader had reached, which is
// the one after the position package ttydefs reports, except in the
// autobaud field. There the original read the whole field as a word first
// (getword: blanks around it, escapes), then refused it and cut after the
// character that follows the word: "x:9600:9600:a:" is shown whole, its
// ':' included, where ttydefs stops at the "a".
func cutAt(err *ttydefs.SyntaxError) int {
	text := err.Text
	if err.Field != ttydefs.FieldAutobaud {
		return min(err.Pos+1, len(text))
	}
	// The autobaud field starts after the third unescaped ':': the label
	// and both flags fields parsed, so each ended at one.
	start, colons := 0, 0
	for ; start < len(text) && colons < 3; start++ {
		switch text[start] {
		case '\\':
			start++
		case ':':
			colons++
		}
	}
	return min(start+getwordSize(text[start:])+1, len(text))
}

// getwordSize is how many bytes of s the original's getword took for a
// word in token mode: blanks before it, the word up to a blank or ':'
// (an escape counts whole: a backslash and one character, or up to
// three octal digits), and blanks after it.
func getwordSize(s string) int {
	isSpace := func(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	for i < len(s) && s[i] != ':' && !isSpace(s[i]) {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			for n := 0; n < 2 && '0' <= s[i] && s[i] <= '7' && i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '7'; n++ {
				i++
			}
		}
		i++
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}
