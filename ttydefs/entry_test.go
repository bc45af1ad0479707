package ttydefs

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files in testdata/format")

func TestParseLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Entry
	}{
		{"plain", "9600:9600 hupcl:9600 sane::4800",
			Entry{Label: "9600", Initial: "9600 hupcl", Final: "9600 sane", Next: "4800"}},
		{"autobaud", "auto:hupcl:sane hupcl:A:9600",
			Entry{Label: "auto", Initial: "hupcl", Final: "sane hupcl", Autobaud: true, Next: "9600"}},
		{"blanks around tokens", "  lbl \t:9600:9600:: nxt  ",
			Entry{Label: "lbl", Initial: "9600", Final: "9600", Next: "nxt"}},
		{"whole mode keeps blanks", "l: 9600 :\t9600::n",
			Entry{Label: "l", Initial: " 9600 ", Final: "\t9600", Next: "n"}},
		{"empty flags", "l:::A:n", Entry{Label: "l", Autobaud: true, Next: "n"}},
		{"empty nextlabel", "l:9600:9600::", Entry{Label: "l", Initial: "9600", Final: "9600"}},
		{"escaped colon in flags", `l:erase \::9600::n`,
			Entry{Label: "l", Initial: "erase :", Final: "9600", Next: "n"}},
		{"escaped colon in label", `a\:b:9600:9600::a\:b`,
			Entry{Label: "a:b", Initial: "9600", Final: "9600", Next: "a:b"}},
		{"escaped blank in label", `a\ b:9600:9600::c\tc`,
			Entry{Label: "a b", Initial: "9600", Final: "9600", Next: "c\tc"}},
		{"escaped hash", `a\#b:9600:9600::x`,
			Entry{Label: "a#b", Initial: "9600", Final: "9600", Next: "x"}},
		{"octal escapes", `\101\102:\071600:9600::\1011`,
			Entry{Label: "AB", Initial: "9600", Final: "9600", Next: "A1"}},
		{"other escapes", `l:intr \\:9600::n\n`,
			Entry{Label: "l", Initial: `intr \`, Final: "9600", Next: "n\n"}},
		{"NUL escape ends the value", `ab\0cd:9600\000xx:9600::n`,
			Entry{Label: "ab", Initial: "9600", Final: "9600", Next: "n"}},
		{"backslash at end of line", `l:9600:9600::nx\`,
			Entry{Label: "l", Initial: "9600", Final: "9600", Next: "nx"}},
		{"CR before the newline", "l:9600:9600::n\r",
			Entry{Label: "l", Initial: "9600", Final: "9600", Next: "n"}},
		{"labels truncated to 15", "0123456789abcdefgh:9600:9600::ABCDEFGHIJKLMNOPQ",
			Entry{Label: "0123456789abcde", Initial: "9600", Final: "9600", Next: "ABCDEFGHIJKLMNO"}},
		{"encoded word", `l:500\:5\:bf\:8a3b\:3\:1c\:7f\:15\:4\:0\:1\:0:9600::l`,
			Entry{Label: "l", Initial: "500:5:bf:8a3b:3:1c:7f:15:4:0:1:0", Final: "9600", Next: "l"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLine(tt.line)
			if err != nil {
				t.Fatalf("ParseLine(%q): %v", tt.line, err)
			}
			if got != tt.want {
				t.Errorf("ParseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestParseLineErrors(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // Messages joined by "|"
	}{
		{"blank inside label", "la bel:9600:9600::x",
			`Parsing failure in the "tty label" field` + "\nla b<--error detected here"},
		{"label only", "lbl",
			`Parsing failure in the "tty label" field` + "\nlbl<--error detected here"},
		{"empty label", ":9600:9600::x",
			`Parsing failure in the "tty label" field` + "\n:<--error detected here"},
		{"label decodes to nothing", `\0:9600:9600::x`,
			`Parsing failure in the "tty label" field` + "\n\\0:<--error detected here"},
		{"too few fields: initial", "lbl:9600",
			`Parsing failure in the "Initial flags" field` + "\nlbl:9600<--error detected here"},
		{"too few fields: final", "lbl:9600:9600",
			`Parsing failure in the "Final flags" field` + "\nlbl:9600:9600<--error detected here"},
		{"too few fields: autobaud", "lbl:9600:9600:",
			`Parsing failure in the "Autobaud" field` + "\nlbl:9600:9600:<--error detected here"},
		{"autobaud lower case", "l:9600:9600:a:n",
			`Parsing failure in the "Autobaud" field` + "\nl:9600:9600:a:<--error detected here"},
		{"autobaud AA", "l:9600:9600:AA:n",
			`Parsing failure in the "Autobaud" field` + "\nl:9600:9600:AA:<--error detected here"},
		{"autobaud blank before", "l:9600:9600: A:n",
			`Parsing failure in the "Autobaud" field` + "\nl:9600:9600: A:<--error detected here"},
		{"autobaud blank after", "l:9600:9600:A :n",
			`Parsing failure in the "Autobaud" field` + "\nl:9600:9600:A :<--error detected here"},
		{"autobaud escaped", `l:9600:9600:\A:n`,
			`Parsing failure in the "Autobaud" field` + "\nl:9600:9600:\\A:<--error detected here"},
		{"text after nextlabel", "l:9600:9600::n x",
			`Parsing failure in the "Next label" field` + "\nl:9600:9600::n x<--error detected here"},
		{"too many fields", "l:9600:9600::n:",
			`Parsing failure in the "Next label" field` + "\nl:9600:9600::n:<--error detected here"},
		{"invalid initial words", "l:9600 foo hupcl bar:9600::n",
			"invalid mode: foo|" +
				`Parsing failure in the "Initial flags" field` + "\nl:9600 foo hupcl bar:<--error detected here"},
		{"invalid final word", "l:9600:9600 CS8::n",
			"invalid mode: CS8|" +
				`Parsing failure in the "Final flags" field` + "\nl:9600:9600 CS8:<--error detected here"},
		{"bad ispeed value", "l:ispeed 12345:9600::n",
			"invalid mode: 12345|" +
				`Parsing failure in the "Initial flags" field` + "\nl:ispeed 12345:<--error detected here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLine(tt.line)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseLine(%q) error = %v, want a *SyntaxError", tt.line, err)
			}
			if got := strings.Join(se.Messages(), "|"); got != tt.want {
				t.Errorf("ParseLine(%q) messages:\n got %q\nwant %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestParseLinePartialEntry(t *testing.T) {
	for line, want := range map[string]Entry{
		"lbl x:9600:9600::n":      {Label: "lbl"},
		"lbl:9600:9600 foo::n":    {Label: "lbl", Initial: "9600"},
		"lbl:9600:9600:a:n":       {Label: "lbl", Initial: "9600", Final: "9600"},
		"lbl:9600:9600:A:n x":     {Label: "lbl", Initial: "9600", Final: "9600", Autobaud: true, Next: "n"},
		"0123456789abcdefX y:::n": {Label: "0123456789abcde"},
	} {
		got, err := ParseLine(line)
		if err == nil || got != want {
			t.Errorf("ParseLine(%q) = %+v, %v; want %+v and an error", line, got, err, want)
		}
	}
	if !strings.Contains(TableFullMessage, fmt.Sprint(MaxEntries)) {
		t.Error("TableFullMessage does not name MaxEntries")
	}
}

func TestScannerLines(t *testing.T) {
	long := strings.Repeat("x", MaxLine)
	tests := []struct {
		name  string
		input string
		want  []Line
	}{
		{"comments and blanks skipped, numbers kept",
			"# VERSION=1\n\n  \t \n# c\na:b # c\nc\\#d\n",
			[]Line{{Num: 5, Text: "a:b "}, {Num: 6, Text: `c\#d`}}},
		{"escaped backslash still protects #", `a\\#b` + "\n", []Line{{Num: 1, Text: `a\\#b`}}},
		{"last line without newline", "a\nb", []Line{{Num: 1, Text: "a"}, {Num: 2, Text: "b"}}},
		{"NUL ends the line", "ab\x00cd\n\x00xy\n", []Line{{Num: 1, Text: "ab"}}},
		{"exactly MaxLine bytes", long + "\n", []Line{{Num: 1, Text: long}}},
		{"one byte more", long + "yz\nnext\n",
			[]Line{{Num: 1, Text: long, TooLong: true}, {Num: 2, Text: "next"}}},
		{"comment right after MaxLine bytes", long + "#comment\n", []Line{{Num: 1, Text: long}}},
		{"long comment", "a #" + strings.Repeat("c", 5000) + "\nb\n",
			[]Line{{Num: 1, Text: "a "}, {Num: 2, Text: "b"}}},
		{"very long line", strings.Repeat("y", 10000) + "\nz",
			[]Line{{Num: 1, Text: strings.Repeat("y", MaxLine), TooLong: true}, {Num: 2, Text: "z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := NewScanner(strings.NewReader(tt.input))
			var got []Line
			for sc.Scan() {
				got = append(got, sc.Line())
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lines:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseDiagnostics(t *testing.T) {
	input := "# VERSION=1\n" +
		"a:9600:9600::b\n" +
		"b:9600 foo:9600::a\n" +
		"a:1200:1200::a\n" +
		"\n" +
		"c d:9600:9600::a\n" +
		"b:300:300::a\n"
	entries, diags, err := Parse(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	wantEntries := []Entry{
		{Label: "a", Initial: "9600", Final: "9600", Next: "b", Line: 2},
		{Label: "b", Initial: "300", Final: "300", Next: "a", Line: 7},
	}
	if !reflect.DeepEqual(entries, wantEntries) {
		t.Errorf("entries:\n got %+v\nwant %+v", entries, wantEntries)
	}
	wantDiags := []Diagnostic{
		{3, "invalid mode: foo"},
		{3, `Parsing failure in the "Initial flags" field` + "\nb:9600 foo:<--error detected here"},
		{4, "Warning -- duplicate entry <a>, ignored"},
		{6, `Parsing failure in the "tty label" field` + "\nc d<--error detected here"},
	}
	if !reflect.DeepEqual(diags, wantDiags) {
		t.Errorf("diagnostics:\n got %q\nwant %q", diags, wantDiags)
	}
}

func TestParseMaxEntries(t *testing.T) {
	var b strings.Builder
	b.WriteString("# VERSION=1\n")
	for i := range MaxEntries {
		fmt.Fprintf(&b, "l%d:9600:9600::a\n", i)
	}
	// Exactly MaxEntries: silent. Duplicates and bad lines do not count.
	full := b.String()
	entries, diags, _ := Parse(strings.NewReader(full))
	if len(entries) != MaxEntries || len(diags) != 0 {
		t.Fatalf("%d entries, diagnostics %q; want %d and none", len(entries), diags, MaxEntries)
	}
	entries, diags, _ = Parse(strings.NewReader(full + "more:9600:9600::a\nlast:9600:9600::a\n"))
	want := []Diagnostic{{MaxEntries + 2, "can't add more entries to ttydefs table,  Maximum entries = 100"}}
	if len(entries) != MaxEntries || !reflect.DeepEqual(diags, want) {
		t.Errorf("%d entries, diagnostics %q; want %d and %q", len(entries), diags, MaxEntries, want)
	}
}

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		data string
		want error
	}{
		{"# VERSION=1\n", nil},
		{"# comment\n# VERSION=1\na:b:c::d\n", nil},
		{"# VERSION=1junk\n", nil},
		{"# VERSION=  1\n", nil},
		{"# VERSION=2\n", &VersionError{Got: 2}},
		{"# VERSION=\n", &VersionError{Got: 0}},
		{"# VERSION=", ErrNoVersion},
		{"# VERSION=2\n# VERSION=1\n", &VersionError{Got: 2}},
		{"#VERSION=1\n# version=1\n#  VERSION=1\n", ErrNoVersion},
		{"", ErrNoVersion},
	}
	for _, tt := range tests {
		err := CheckVersion([]byte(tt.data))
		if !reflect.DeepEqual(err, tt.want) {
			t.Errorf("CheckVersion(%q) = %v, want %v", tt.data, err, tt.want)
		}
	}
}

func TestFindLabel(t *testing.T) {
	data := []byte("# VERSION=1\n  9600 :x\n4800:y\nesc\\:x:z\n# c\n")
	// Literally as the original: a tab does not end the token.
	if got := LabelToken("\t a\tb:c"); got != "a\tb" {
		t.Errorf("LabelToken = %q", got)
	}
	for label, want := range map[string]int{"9600": 2, "4800": 3, `esc\`: 4, "#": 1, "x": 0, "": 0} {
		if got := FindLabel(data, label); got != want {
			t.Errorf("FindLabel(%q) = %d, want %d", label, got, want)
		}
	}
}

// TestFormatGolden checks Format(Parse(x.input)) against x.golden, and that
// the golden file is a fixed point (gofmt's .input/.golden idea).
func TestFormatGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "format", "*.input"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := formatParsed(t, data)
			golden := strings.TrimSuffix(in, ".input") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Format(Parse(%s)):\n%s\nwant:\n%s", in, got, want)
			}
			if again := formatParsed(t, want); !bytes.Equal(again, want) {
				t.Errorf("%s is not stable:\n%s", golden, again)
			}
		})
	}
}

func formatParsed(t *testing.T, data []byte) []byte {
	t.Helper()
	entries, _, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Format(&b, entries); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCanonicalRoundTrip: a file of canonical lines comes back byte for byte.
func TestCanonicalRoundTrip(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "format", "solaris.input"))
	if err != nil {
		t.Fatal(err)
	}
	entries, diags, err := Parse(bytes.NewReader(data))
	if err != nil || len(diags) != 0 {
		t.Fatalf("Parse: %v %q", err, diags)
	}
	if len(entries) != 54 { // Solaris's set: 14 plain, 14 E, auto, 6 console, 6 contty, 7 H, 6 conttyH
		t.Errorf("%d entries, want 54", len(entries))
	}
	if got := formatParsed(t, data); !bytes.Equal(got, data) {
		t.Errorf("round trip changed the file:\n%s", got)
	}
}

func TestEntryString(t *testing.T) {
	e := Entry{Label: "a b:#\\", Initial: "erase : intr #", Final: " x\ty\n", Autobaud: true, Next: "n\t\r\v\f"}
	want := `a\ b\:\#\\:erase \: intr \#: x` + "\t" + `y\n:A:n\t\r\v\f`
	if got := e.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	// The reader gives the entry back (flags are not validated here).
	l := fieldLexer{s: want}
	if got := l.token(); got != e.Label {
		t.Errorf("label back = %q", got)
	}
}
