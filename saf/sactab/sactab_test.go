package sactab

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func dump(entries []Entry) string {
	var b strings.Builder
	for _, e := range entries {
		if e.Err != nil {
			fmt.Fprintf(&b, "line %d: err=%q\n", e.Line, e.Err)
			continue
		}
		fmt.Fprintf(&b, "line %d: tag=%q type=%q flags=%q rcnt=%d cmd=%q comment=%q", e.Line, e.Tag, e.Type, e.Flags, e.RCount, e.Command, e.Comment)
		if e.BadFlags != "" {
			fmt.Fprintf(&b, " badflags=%q", e.BadFlags)
		}
		for _, w := range e.Warnings {
			fmt.Fprintf(&b, " warn=%q", w)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestParseGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/messy.sactab")
	if err != nil {
		t.Fatal(err)
	}
	got := dump(Parse(in))
	golden := "testdata/messy.golden"
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, _ := os.ReadFile(golden)
	if got != string(want) {
		t.Errorf("Parse(messy.sactab):\n%s\nwant:\n%s", got, want)
	}
	for _, e := range Parse(in) {
		if e.Err != nil && !errors.Is(e.Err, ErrCorrupt) {
			t.Errorf("line error %v is not ErrCorrupt", e.Err)
		}
	}
}

// A table as sacadm writes it parses and formats back to the same bytes.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/canonical*.sactab")
	if len(files) == 0 {
		t.Fatal("no canonical fixtures")
	}
	for _, file := range files {
		in, _ := os.ReadFile(file)
		var kept []Entry
		for _, e := range Parse(in) {
			if e.Err != nil || len(e.Warnings) > 0 || e.BadFlags != "" {
				t.Fatalf("%s line %d not canonical: %+v", file, e.Line, e)
			}
			kept = append(kept, e)
		}
		var out bytes.Buffer
		Write(&out, kept)
		// The fixture may hold comment lines the writer does not keep; drop
		// them before comparing.
		var want []string
		for _, l := range strings.SplitAfter(string(in), "\n") {
			if l != "" && (!strings.HasPrefix(l, "#") || strings.HasPrefix(l, "# VERSION=")) {
				want = append(want, l)
			}
		}
		if out.String() != strings.Join(want, "") {
			t.Errorf("%s: round trip\n%q\nwant\n%q", file, out.String(), strings.Join(want, ""))
		}
	}
}

func TestFormat(t *testing.T) {
	e := Entry{Tag: "mbmon", Type: "ttymon", Flags: FlagX | FlagD, RCount: 0, Command: "/usr/lib/saf/ttymon", Comment: "TTY Ports"}
	if got := Format(e); got != "mbmon:ttymon:dx:0:/usr/lib/saf/ttymon\t#TTY Ports\n" {
		t.Errorf("Format = %q", got)
	}
}

func TestValidate(t *testing.T) {
	ok := Entry{Tag: "a1", Type: "ttymon", Command: "/bin/x -y", Comment: "anything: # goes"}
	if err := Validate(ok); err != nil {
		t.Fatalf("Validate(ok) = %v", err)
	}
	bad := map[string]func(*Entry){
		"empty tag":        func(e *Entry) { e.Tag = "" },
		"long tag":         func(e *Entry) { e.Tag = "abcdefghijklmno" },
		"tag not alnum":    func(e *Entry) { e.Tag = "a-b" },
		"empty type":       func(e *Entry) { e.Type = "" },
		"type not alnum":   func(e *Entry) { e.Type = "a b" },
		"colon in command": func(e *Entry) { e.Command = "/bin/x a:b" },
		"hash in command":  func(e *Entry) { e.Command = "/bin/x #b" },
		"newline command":  func(e *Entry) { e.Command = "/bin/x\n" },
		"newline comment":  func(e *Entry) { e.Comment = "a\nb" },
		"negative count":   func(e *Entry) { e.RCount = -1 },
		"line too long":    func(e *Entry) { e.Command = "/" + strings.Repeat("x", 600) },
	}
	for name, mut := range bad {
		e := ok
		mut(&e)
		if err := Validate(e); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, e)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/canonical.sactab", "testdata/messy.sactab"} {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Add([]byte("a:b:c\n"))
	f.Add([]byte("a:b::0:/x\t#" + strings.Repeat("y", 600) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range Parse(data) {
			if e.Err != nil || Validate(e) != nil {
				continue
			}
			line := Format(e)
			again := Parse([]byte(line))
			if len(again) != 1 {
				t.Fatalf("Format(%+v) = %q parses to %d entries", e, line, len(again))
			}
			g := again[0]
			if g.Err != nil || g.Tag != e.Tag || g.Type != e.Type || g.Flags != e.Flags ||
				g.RCount != e.RCount || g.Command != e.Command || g.Comment != e.Comment {
				t.Fatalf("round trip of %q: %+v, want %+v", line, g, e)
			}
			if Format(g) != line {
				t.Fatalf("Format not stable: %q vs %q", Format(g), line)
			}
		}
	})
}
