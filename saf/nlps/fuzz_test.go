package nlps

import (
	"bytes"
	"testing"
)

// FuzzParseRequest checks, for every input: ParseRequest never panics, and
// a request it accepts marshals to the standard form, which parses back to
// the same message and marshals to the same bytes again (the round trip is
// stable). Seeded from the table tests; `make fuzz` runs it.
func FuzzParseRequest(f *testing.F) {
	for _, tt := range parseRequestTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseRequest(b)
		if err != nil {
			return
		}
		out, err := m.AppendMarshal(nil)
		if err != nil {
			// The standard form spells versions with three digits, so
			// it can be up to four bytes longer than a short input.
			if len(b) > MaxRequest-4 {
				return
			}
			t.Fatalf("AppendMarshal(%+v) from %q: %v", m, b, err)
		}
		m2, err := ParseRequest(out)
		if err != nil || m2 != m {
			t.Fatalf("round trip: %q -> %+v -> %q -> %+v, %v", b, m, out, m2, err)
		}
		out2, err := m2.AppendMarshal(nil)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("unstable: %q then %q, %v", out, out2, err)
		}
	})
}

// FuzzParseAnswer: ParseAnswer never panics, and an answer it accepts
// marshals back to the same bytes.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{"2:0:NLPS (lp) exec: /bin/cat\x00", "2:3:x\x00", "0:0:\x00", "2:0:a:b\x00", "2\x00", ":::\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAnswer(b)
		if err != nil {
			return
		}
		out, err := a.AppendMarshal(nil)
		if err != nil {
			t.Fatalf("AppendMarshal(%+v) from %q: %v", a, b, err)
		}
		a2, err := ParseAnswer(out)
		if err != nil || a2 != a {
			t.Fatalf("round trip: %q -> %+v -> %q -> %+v, %v", b, a, out, a2, err)
		}
	})
}
