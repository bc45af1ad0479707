package listen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// describe renders an entry for testdata/tables.txtar.
func describe(s *service) string {
	dash := func(v string) string {
		if v == "" {
			return "-"
		}
		return v
	}
	flags := ""
	if s.Flags&flagUnknown != 0 {
		flags += "?"
	}
	if s.Flags&flagUtmp != 0 {
		flags += "u"
	}
	if s.Flags&flagDisabled != 0 {
		flags += "x"
	}
	rpc := ""
	if s.RPC != nil {
		rpc = fmt.Sprintf("%d,%d", s.RPC.Prog, s.RPC.Vers)
	}
	out := fmt.Sprintf("entry %s %s %s %s %s %s %s %s", s.Code, dash(flags), s.Identity, dash(s.Address),
		dash(rpc), dash(s.Listen.Flags.String()), dash(strings.Join(s.Modules, ",")), s.Command)
	if s.bindable() {
		out += " bind"
	}
	return out
}

func TestParseTable(t *testing.T) {
	ar, err := txtar.ParseFile(filepath.Join("testdata", "tables.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range ar.Files {
		files[f.Name] = f.Data
	}
	n := 0
	for _, f := range ar.Files {
		name, ok := strings.CutSuffix(f.Name, ".pmtab")
		if !ok {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			data := f.Data
			if strings.HasSuffix(name, "nonewline") {
				data = bytes.TrimSuffix(data, []byte("\n"))
			}
			want, ok := files[name+".want"]
			if !ok {
				t.Fatalf("no %s.want", name)
			}
			svcs, notes, err := parseTable(data)
			var got []string
			if err != nil {
				te, ok := err.(*tableError)
				if !ok {
					t.Fatalf("error %T %v, want *tableError", err, err)
				}
				got = append([]string{fmt.Sprintf("exit %d", te.Code)}, te.Lines...)
				if fatal := te.Code != exitBadTable; te.Fatal != fatal {
					t.Errorf("Fatal = %v for exit %d", te.Fatal, te.Code)
				}
			} else {
				got = []string{"ok"}
				for _, s := range svcs {
					got = append(got, describe(s))
				}
				got = append(got, notes...)
			}
			if g, w := strings.Join(got, "\n")+"\n", string(want); g != w {
				t.Errorf("got:\n%s\nwant:\n%s", g, w)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d cases in tables.txtar", n)
	}
}

func TestReadTableMissing(t *testing.T) {
	_, _, err := readTable(filepath.Join(t.TempDir(), "_pmtab"))
	te, ok := err.(*tableError)
	if !ok || te.Code != exitBadTable || !te.Fatal || te.Lines[0] != "Trouble opening data base file" {
		t.Fatalf("missing _pmtab: %#v", err)
	}
}

func TestLineLimit(t *testing.T) {
	head := "# VERSION=4\na::root:r:r:r:::c::/bin/"
	// A line and its newline must fit in 1023 bytes (fgets with 1024).
	fits := head[len("# VERSION=4\n"):]
	fill := strings.Repeat("x", lineBuf-2-len(fits))
	if _, _, err := parseTable([]byte(head + fill + "\n")); err != nil {
		t.Errorf("line of %d bytes: %v", len(fits+fill), err)
	}
	if _, _, err := parseTable([]byte(head + fill + "x\n")); err == nil {
		t.Errorf("line of %d bytes accepted", len(fits+fill)+1)
	}
}

// The sample table shipped in testdata reads without errors.
func TestSampleTable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "sample.pmtab"))
	if err != nil {
		t.Fatal(err)
	}
	svcs, _, err := parseTable(data)
	if err != nil || len(svcs) == 0 {
		t.Fatalf("sample.pmtab: %d entries, %v", len(svcs), err)
	}
}

func TestParseSvcFlags(t *testing.T) {
	for in, want := range map[string]svcFlags{
		"": 0, "x": flagDisabled, "X": flagDisabled, "u": flagUtmp, "ux": flagUtmp | flagDisabled,
		"uz": flagUnknown, "zu": flagUnknown | flagUtmp, "xU": flagUnknown,
	} {
		if got := parseSvcFlags(in); got != want {
			t.Errorf("parseSvcFlags(%q) = %b, want %b", in, got, want)
		}
	}
}

// FuzzParseTable: the listener's reader never panics, fails only with a
// *tableError, and every entry it accepts has a legal, unique service
// code. Seeded from testdata/tables.txtar. (The tail's round trip is
// saf/pmtab's fuzz target.)
func FuzzParseTable(f *testing.F) {
	ar, err := txtar.ParseFile(filepath.Join("testdata", "tables.txtar"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range ar.Files {
		if strings.HasSuffix(file.Name, ".pmtab") {
			f.Add(file.Data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		svcs, _, err := parseTable(data)
		if err != nil {
			if _, ok := err.(*tableError); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, s := range svcs {
			if s.Code == "" || len(s.Code) > maxCode || seen[s.Code] {
				t.Fatalf("bad or duplicate code %q", s.Code)
			}
			seen[s.Code] = true
		}
	})
}
