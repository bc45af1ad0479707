package sttydefs

import (
	"errors"
	"fmt"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
	"github.com/linux-saf/saf/ttydefs"
)

// TestMessagesOriginal pins every message marked original to the
// original's text, written out here as the original sttydefs printed it
// (its listing through ttymon's table reader), with sample values for its
// conversions.
func TestMessagesOriginal(t *testing.T) {
	f := fmt.Sprintf
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"usageText", usageText, "Usage:\tsttydefs -a ttylabel [-n nextlabel] [-i initial-flags]\n" +
			"\t\t [-f final-flags] [-b]\n" +
			"\tsttydefs -r ttylabel\n" +
			"\tsttydefs -l [ttylabel]\n"},
		{"msgNotPriv", msgNotPriv, "User not privileged for operation."},
		{"msgBadVersion", f(msgBadVersion, "/etc/ttydefs"), "/etc/ttydefs version number is incorrect or missing."},
		{"msgLabelExists", f(msgLabelExists, "9600"), "Invalid request -- ttylabel <9600> already exists."},
		{"msgLabelNotExist", f(msgLabelNotExist, "9600"), "Invalid request, ttylabel <9600> does not exist."},
		{"msgCouldNotOpen", f(msgCouldNotOpen, "/etc/ttydefs", "Permission denied"), `Could not open "/etc/ttydefs": Permission denied`},
		{"msgCannotCreateTemp", f(msgCannotCreateTemp, "Permission denied"), "Cannot create tempfile: Permission denied"},
		{"msgAccessingTemp", msgAccessingTemp, "Error accessing temp file."},
		{"msgClosingTemp", msgClosingTemp, "Error closing temp file."},
		{"msgRenameFailed", f(msgRenameFailed, "Permission denied"), "Rename failed: Permission denied"},
		{"msgInvalidArgument", f(msgInvalidArgument, "-x"), "Invalid argument -- -x."},
		{"msgCannotOpenTable", f(msgCannotOpenTable, "/etc/ttydefs"), "can't open /etc/ttydefs."},
		{"msgLabelNotFound", f(msgLabelNotFound, "9600"), "ttylabel <9600> not found."},
		{"msgEntryTooLong", msgEntryTooLong, "Entry too long."},
		{"fmtRecordHeader", f(fmtRecordHeader, "---", "a:b", "---"), "\n---\na:b\n---\n\n"},
		{"recordDash", recordDash, "-"},
		{"fmtEntry", f(fmtEntry, "9600", "9600", "9600 sane", "no", "4800"),
			"ttylabel:\t9600\ninitial flags:\t9600\nfinal flags:\t9600 sane\nautobaud:\tno\nnextlabel:\t4800\n"},
		{"autobaudYes", autobaudYes, "yes"},
		{"autobaudNo", autobaudNo, "no"},
		{"msgInvalidMode", f(msgInvalidMode, "foo"), "invalid mode: foo"},
		{"msgParseFailure", f(msgParseFailure, "Autobaud", "x:9600:9600:a:"), "Parsing failure in the \"Autobaud\" field\nx:9600:9600:a:<--error detected here\n"},
		{"fieldTTYLabel", fieldTTYLabel, "tty label"},
		{"fieldInitial", fieldInitial, "Initial flags"},
		{"fieldFinal", fieldFinal, "Final flags"},
		{"fieldAutobaud", fieldAutobaud, "Autobaud"},
		{"fieldNext", fieldNext, "Next label"},
		{"msgDuplicate", f(msgDuplicate, "9600"), "Warning -- duplicate entry <9600>, ignored"},
		{"msgTableFull", f(msgTableFull, 100), "can't add more entries to ttydefs table,  Maximum entries = 100"},
		{"fmtLine", f(fmtLine, "Entry too long."), "Entry too long.\n"},
		{"listEnd", listEnd, "\n"},
		{"msgDangling", f(msgDangling, "4800", "9600"), "Warning -- nextlabel <4800> of <9600> does not reference any existing ttylabel."},
		{"fmtDanglingOne", f(fmtDanglingOne, "4800", "9600"), "\nWarning -- nextlabel <4800> of <9600> does not reference any existing ttylabel.\n"},
	})
}

// TestMessagesGolden lists every message of the package in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}

// TestParseFailureCut: the line shown for a parse failure is cut where
// the original's reader stood, the autobaud field's after the ':' that
// follows the word it refused.
func TestParseFailureCut(t *testing.T) {
	for line, want := range map[string]string{
		"x:9600:9600:a:":        "x:9600:9600:a:",
		"x:9600:9600:a:9600":    "x:9600:9600:a:",
		"x:9600:9600:AA:9600":   "x:9600:9600:AA:",
		"x:9600:9600: A:9600":   "x:9600:9600: A:",
		"x:9600:9600:A :9600":   "x:9600:9600:A :",
		"x:9600:9600:a":         "x:9600:9600:a",
		"x:9600:9600:A":         "x:9600:9600:A",
		`x:9600:9600:\101:9600`: `x:9600:9600:\101:`,
		`x\::9600:9600:b:9`:     `x\::9600:9600:b:`,
		"x:9600:9600:A x":       "x:9600:9600:A x",
		"x:9600:foo:A:9600":     "x:9600:foo:",
		"x:9600:9600::a b":      "x:9600:9600::a b",
	} {
		var err *ttydefs.SyntaxError
		if _, perr := ttydefs.ParseLine(line); !errors.As(perr, &err) {
			t.Errorf("%q: %v, want a parse failure", line, perr)
			continue
		}
		if got := err.Text[:cutAt(err)]; got != want {
			t.Errorf("%q (%s field): shown as %q, want %q", line, err.Field, got, want)
		}
	}
}
