package ttydefs

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// parseSeeds are lines and files for FuzzParse: the fixtures of the parser
// tests, the golden inputs and the shipped file.
var parseSeeds = []string{
	"# VERSION=1\n9600:9600 hupcl:9600 sane::4800\n",
	"auto:hupcl:sane hupcl:A:9600",
	"  lbl \t:9600:9600:: nxt  # c\n",
	"l: 9600 :\t9600::n\r\n",
	`l:erase \::9600::n`,
	`a\:b:9600:9600::a\:b`,
	`a\ b:9600:9600::c\tc`,
	`a\#b:9600:9600::x # \# c`,
	`\101\102:\071600:9600::\1011`,
	`ab\0cd:9600\000xx:9600::n\`,
	"la bel:9600:9600::x\nlbl\n:9600:9600::x\nlbl:9600\nl:9600:9600:a:n\nl:9600:9600: A:n\nl:9600:9600::n x\n",
	"l:9600 foo hupcl bar:9600::n\nl:ispeed 12345:9600::n\n",
	`l:500\:5\:bf\:8a3b\:3\:1c\:7f\:15\:4\:0\:1\:0:9600::l`,
	"a:9600:9600::b\nb:9600:9600::a\na:1:1::a\n",
	"0123456789abcdefgh:9600:9600::ABCDEFGHIJKLMNOPQ\x00tail\n",
}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "format", "*"))
	files = append(files, filepath.Join("..", "install", "etc", "ttydefs"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _, err := Parse(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Format(&b, entries); err != nil {
			t.Fatal(err)
		}
		again, diags, err := Parse(bytes.NewReader(b.Bytes()))
		if err != nil || len(diags) != 0 {
			t.Fatalf("Parse(Format) of %q: %v %q", b.Bytes(), err, diags)
		}
		if !reflect.DeepEqual(withoutLines(again), withoutLines(entries)) {
			t.Fatalf("round trip of %q via %q:\n got %+v\nwant %+v", data, b.Bytes(), again, entries)
		}
		var b2 bytes.Buffer
		if err := Format(&b2, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), b2.Bytes()) {
			t.Fatalf("Format not stable:\n%q\n%q", b.Bytes(), b2.Bytes())
		}
		_ = CheckVersion(data)
	})
}

func withoutLines(entries []Entry) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		e.Line = 0
		out[i] = e
	}
	return out
}
