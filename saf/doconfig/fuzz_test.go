package doconfig

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics and fails only with a *LineError; every
// statement prints (String) as a line that parses back to itself; a script
// whose every line is accepted executes on a Recorder without panicking
// and fails, if at all, on one of its statements' lines.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.in))
	}
	files, _ := filepath.Glob("testdata/*.script") // a bad pattern is impossible here
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(bytes.NewReader(data))
		if s == nil {
			t.Fatal("nil Script")
		}
		var le *LineError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("Parse error %v (%T): want a *LineError", err, err)
		}
		lines := map[int]bool{}
		prev := 0
		for _, st := range s.Stmts {
			if st.Line <= prev {
				t.Fatalf("line numbers not increasing: %d after %d", st.Line, prev)
			}
			prev = st.Line
			lines[st.Line] = true
			line := st.String()
			s2, err := Parse(strings.NewReader(line + "\n"))
			want := st
			want.Line = 1
			if err != nil || len(s2.Stmts) != 1 || !reflect.DeepEqual(s2.Stmts[0], want) {
				t.Fatalf("%q from %#v parses as %#v, %v", line, st, s2.Stmts, err)
			}
		}
		if le != nil && le.Line <= prev {
			t.Fatalf("failing line %d not after the last statement's %d", le.Line, prev)
		}
		if err != nil {
			return
		}
		// Without Runner and Streams the Recorder runs nothing; cd only
		// stats.
		rec := &Recorder{Environ: []string{"HOME=/"}}
		line, err := s.Exec(rec, 0)
		if (line == 0) != (err == nil) || (line != 0 && !lines[line]) {
			t.Fatalf("Exec = %d, %v: not one of the statements' lines", line, err)
		}
	})
}
