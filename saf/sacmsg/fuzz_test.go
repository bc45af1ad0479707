package sacmsg

import (
	"bytes"
	"reflect"
	"testing"
)

// The fuzz targets check, for every input: the parser never panics, and
// whatever it accepts marshals without error to exactly the record size
// and parses back to the same value (Parse(AppendMarshal(Parse(x))) ==
// Parse(x)). They are seeded from the table tests; `make fuzz` runs them.

// addWire seeds f with the wire forms of a table, plus truncated and
// extended copies.
func addWire(f *testing.F, wires ...string) {
	for _, w := range wires {
		b := unhex(f, w)
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(append(b, 0xff, 0xee))
	}
}

// seedErrors adds the parse error inputs of record rec.
func seedErrors(f *testing.F, rec string) {
	for _, tt := range parseErrorTests {
		if tt.rec == rec {
			f.Add(unhex(f, tt.wire))
		}
	}
}

func FuzzParseSacMsg(f *testing.F) {
	for _, tt := range sacMsgTests {
		addWire(f, tt.wire)
	}
	seedErrors(f, "sacmsg")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseSacMsg(b)
		if err != nil {
			return
		}
		out, err := m.AppendMarshal(nil)
		if err != nil || len(out) != SacMsgSize {
			t.Fatalf("AppendMarshal(%+v) = %x, %v", m, out, err)
		}
		if m2, err := ParseSacMsg(out); err != nil || m2 != m {
			t.Fatalf("round trip: %+v -> %x -> %+v, %v", m, out, m2, err)
		}
	})
}

func FuzzParsePMMsg(f *testing.F) {
	for _, tt := range pmMsgTests {
		addWire(f, tt.wire)
	}
	seedErrors(f, "pmmsg")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParsePMMsg(b)
		if err != nil {
			return
		}
		out, err := m.AppendMarshal(nil)
		if err != nil || len(out) != PMMsgSize {
			t.Fatalf("AppendMarshal(%+v) = %x, %v", m, out, err)
		}
		if m2, err := ParsePMMsg(out); err != nil || m2 != m {
			t.Fatalf("round trip: %+v -> %x -> %+v, %v", m, out, m2, err)
		}
	})
}

func FuzzParseAdmCmd(f *testing.F) {
	for _, tt := range admCmdTests {
		addWire(f, tt.wire)
	}
	seedErrors(f, "admcmd")
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseAdmCmd(b)
		if err != nil {
			return
		}
		out, err := c.AppendMarshal(nil)
		if err != nil || len(out) != AdmCmdSize {
			t.Fatalf("AppendMarshal(%+v) = %x, %v", c, out, err)
		}
		if c2, err := ParseAdmCmd(out); err != nil || c2 != c {
			t.Fatalf("round trip: %+v -> %x -> %+v, %v", c, out, c2, err)
		}
	})
}

func FuzzParseAdmAck(f *testing.F) {
	for _, tt := range admAckTests {
		addWire(f, tt.wire)
	}
	seedErrors(f, "admack")
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAdmAck(b)
		if err != nil {
			return
		}
		out, err := a.AppendMarshal(nil)
		if err != nil || len(out) != AdmAckSize {
			t.Fatalf("AppendMarshal(%+v) = %x, %v", a, out, err)
		}
		if a2, err := ParseAdmAck(out); err != nil || a2 != a {
			t.Fatalf("round trip: %+v -> %x -> %+v, %v", a, out, a2, err)
		}
	})
}

// FuzzParseStatus also checks that the formatted listing is stable:
// Format(Parse(Format(Parse(x)))) == Format(Parse(x)).
func FuzzParseStatus(f *testing.F) {
	for _, tt := range statusTests {
		f.Add([]byte(tt.data))
	}
	for _, tt := range statusErrorTests {
		f.Add([]byte(tt.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseStatus(data)
		if err != nil {
			return
		}
		var out []byte
		for _, e := range entries {
			if out, err = AppendStatus(out, e); err != nil {
				t.Fatalf("AppendStatus(%+v): %v", e, err)
			}
		}
		again, err := ParseStatus(out)
		if err != nil {
			t.Fatalf("ParseStatus(%q) of formatted listing: %v", out, err)
		}
		if !reflect.DeepEqual(again, entries) {
			t.Fatalf("round trip: %+v -> %q -> %+v", entries, out, again)
		}
		var out2 []byte
		for _, e := range again {
			out2, _ = AppendStatus(out2, e) // e parsed from out, so it formats
		}
		if !bytes.Equal(out2, out) {
			t.Fatalf("format not stable: %q then %q", out, out2)
		}
	})
}
