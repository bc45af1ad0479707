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

// list is "sttydefs -l [label]" (ttymon.md 6.4). args are all the
// arguments: the label is read from them directly, as the original did.
func (c *command) list(args []string) error {
	if len(args) > 2 {
		return &adm.UsageError{}
	}
	label, one := "", false
	switch len(args) {
	case 2:
		label, one = args[1], true
		if strings.HasPrefix(label, "-") {
			return &adm.UsageError{Msg: "Invalid argument -- " + label + "."}
		}
	case 1:
		if rest, ok := strings.CutPrefix(args[0], "-l"); ok && rest != "" {
			label, one = rest, true // the glued form -llabel
		}
	}

	path := c.root.TtyDefs()
	data, err := os.ReadFile(path)
	if err != nil {
		return fail("can't open %s.", path)
	}
	if ttydefs.CheckVersion(data) != nil {
		return fail("%s version number is incorrect or missing.", path)
	}
	w := bufio.NewWriter(c.stdout)
	if one {
		err = listOne(w, data, label)
	} else {
		listAll(w, data)
	}
	if ferr := w.Flush(); ferr != nil && err == nil {
		err = fail("write standard output: %v", ferr)
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
			fmt.Fprintln(w, ttydefs.TableFullMessage)
			break
		}
		printRecord(w, rec)
		if rec.Loaded() {
			loaded = append(loaded, rec.Entry)
		}
	}
	// A read error cannot happen on a byte slice.
	fmt.Fprint(w, "\n")
	for _, e := range ttydefs.NewTable(loaded).Dangling() {
		fmt.Fprintln(w, ttydefs.DanglingMessage(e))
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
		return fail("ttylabel %s not found.", label)
	}
	if _, ok := tab.Lookup(e.Next); !ok {
		fmt.Fprintf(w, "\n%s\n", ttydefs.DanglingMessage(e))
	}
	return nil
}

// printRecord prints one line of the file and what it parses to
// (ttymon.md 6.4).
func printRecord(w io.Writer, rec ttydefs.Record) {
	if rec.Line.TooLong {
		fmt.Fprintln(w, "Entry too long.")
	}
	dashes := strings.Repeat("-", len(rec.Line.Text))
	fmt.Fprintf(w, "\n%s\n%s\n%s\n\n", dashes, rec.Line.Text, dashes)
	if rec.Err != nil {
		for _, m := range rec.Err.Messages() {
			fmt.Fprintln(w, m)
		}
		fmt.Fprint(w, "\n")
		return
	}
	e := rec.Entry
	autobaud := "no"
	if e.Autobaud {
		autobaud = "yes"
	}
	fmt.Fprintf(w, "ttylabel:\t%s\ninitial flags:\t%s\nfinal flags:\t%s\nautobaud:\t%s\nnextlabel:\t%s\n",
		e.Label, e.Initial, e.Final, autobaud, e.Next)
	if rec.Dup {
		fmt.Fprintln(w, ttydefs.DuplicateMessage(e.Label))
	}
}
