package etcservices

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func fixture(t testing.TB) Table {
	t.Helper()
	f, err := os.Open("testdata/services")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestParse(t *testing.T) {
	tab := fixture(t)
	var got []string
	for _, e := range tab {
		got = append(got, e.Name)
	}
	want := []string{"tcpmux", "echo", "echo", "discard", "daytime", "daytime", "fsp", "ftp", "chargen", "http", "alt", "ftp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("names %q, want %q", got, want)
	}
	if e := tab[3]; e.Line != 7 || !reflect.DeepEqual(e.Aliases, []string{"sink", "null"}) {
		t.Errorf("discard: %+v", e)
	}
}

func TestLookup(t *testing.T) {
	tab := fixture(t)
	for _, tt := range []struct {
		name, proto string
		port        uint16
		ok          bool
	}{
		{"echo", "tcp", 7, true},
		{"echo", "udp", 7, true},
		{"daytime", "tcp", 13, true}, // an indented line
		{"sink", "tcp", 9, true},     // an alias
		{"null", "udp", 0, false},    // discard has no udp line
		{"ftp", "tcp", 21, true},     // the first line wins
		{"ftp", "udp", 0, false},
		{"fspd", "udp", 21, true},
		{"www", "tcp", 80, true}, // alias of http, before alt's
		{"http-alt", "tcp", 8080, true},
		{"nonumber", "tcp", 0, false},
		{"big", "tcp", 0, false},
		{"twoslash", "tcp", 0, false},
		{"signed", "tcp", 0, false},
		{"WWW", "tcp", 0, false}, // names are case-sensitive, as in glibc
	} {
		e, ok := tab.Lookup(tt.name, tt.proto)
		if ok != tt.ok || e.Port != tt.port {
			t.Errorf("Lookup(%q, %q) = %d, %v; want %d, %v", tt.name, tt.proto, e.Port, ok, tt.port, tt.ok)
		}
	}
}

func TestLongLineSkipped(t *testing.T) {
	in := "a 1/tcp " + strings.Repeat("x", maxLine) + "\nb 2/tcp\nc 3/tcp"
	tab, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(tab) != 2 || tab[0].Name != "b" || tab[1].Name != "c" || tab[1].Line != 3 {
		t.Errorf("got %+v", tab)
	}
}

func stripLines(t Table) Table {
	out := make(Table, len(t))
	for i, e := range t {
		e.Line = 0
		out[i] = e
	}
	return out
}

// FuzzParse: Parse never panics, and Format(Parse(x)) reads back to the
// same entries and is stable.
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/services")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	for _, s := range []string{"", "a 1/tcp b c", "a\t65535/udp\r\n", "# x\n  y 0/z #c", "a 1/", "\xff 1/tcp \u00a0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := Parse(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		out := tab.Format()
		again, err := Parse(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stripLines(again), stripLines(tab)) {
			t.Fatalf("%q: Format gives %q, which reads back as %+v, not %+v", in, out, again, tab)
		}
		if again.Format() != out {
			t.Fatalf("Format is not stable for %q", in)
		}
	})
}
