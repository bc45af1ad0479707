package pmproto

import (
	"encoding/binary"
	"io"
	"testing"

	"github.com/linux-saf/saf/saf/sacmsg"
)

// chunkReader hands out its data in reads of at most n bytes, as a pipe
// may.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n, len(r.b))
	copy(p, r.b[:k])
	r.b = r.b[k:]
	return k, nil
}

// replies records each Write as one reply.
type replies [][]byte

func (w *replies) Write(b []byte) (int, error) {
	*w = append(*w, append([]byte(nil), b...))
	return len(b), nil
}

// expected is the oracle: the header types a correct reader answers in
// stream b, computed the simple way over the whole stream (sac.md 9.1:
// each 8-byte header, then skip size bytes when the size is sane).
func expected(b []byte) []byte {
	var types []byte
	for len(b) >= sacmsg.SacMsgSize {
		size := int32(binary.LittleEndian.Uint32(b[0:4]))
		types = append(types, b[4])
		b = b[sacmsg.SacMsgSize:]
		if size > 0 && size <= sacmsg.MaxDataSize {
			b = b[min(int(size), len(b)):]
		}
	}
	return types
}

// Arbitrary bytes on _pmpipe, cut into arbitrary reads, never panic, and
// every whole header gets exactly one well-formed reply, in order.
func FuzzServe(f *testing.F) {
	hdr := func(typ byte, size uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, size)
		return append(b, typ, 0, 0, 0)
	}
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	f.Add(byte(8), hdr(sacmsg.SCStatus, 0))
	f.Add(byte(1), cat(hdr(sacmsg.SCEnable, 0), hdr(sacmsg.SCDisable, 0), hdr(sacmsg.SCReadDB, 0), hdr(9, 0)))
	f.Add(byte(3), cat(hdr(sacmsg.SCStatus, 8), hdr(sacmsg.SCEnable, 0), hdr(sacmsg.SCDisable, 0)))
	f.Add(byte(5), cat(hdr(sacmsg.SCStatus, 0xffffffff), hdr(sacmsg.SCEnable, sacmsg.MaxDataSize+1), []byte{1, 2, 3}))
	f.Add(byte(0), []byte("garbage that is not a header at all"))
	f.Add(byte(200), cat(hdr(sacmsg.SCStatus, 100), []byte{1, 2}))
	f.Fuzz(func(t *testing.T, chunk byte, data []byte) {
		var w replies
		p := &PM{tag: "fuzz", state: sacmsg.Disabled, logf: func(string, ...any) {}}
		r := &chunkReader{b: data, n: max(int(chunk), 1)}
		if err := p.serve(r, &w); err != io.EOF {
			t.Fatalf("serve = %v, want io.EOF", err)
		}
		want := expected(data)
		if len(w) != len(want) {
			t.Fatalf("%d replies for %d headers", len(w), len(want))
		}
		state := sacmsg.Disabled
		for i, b := range w {
			if len(b) != sacmsg.PMMsgSize {
				t.Fatalf("reply %d is %d bytes", i, len(b))
			}
			m, err := sacmsg.ParsePMMsg(b)
			if err != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
			wantType := byte(sacmsg.PMStatus)
			switch want[i] {
			case sacmsg.SCEnable:
				state = sacmsg.Enabled
			case sacmsg.SCDisable:
				state = sacmsg.Disabled
			case sacmsg.SCStatus, sacmsg.SCReadDB:
			default:
				wantType = sacmsg.PMUnknown
			}
			if m != (sacmsg.PMMsg{Type: wantType, State: byte(state), MaxClass: 1, Tag: "fuzz"}) {
				t.Fatalf("reply %d to type %d: %+v, want type %d state %v", i, want[i], m, wantType, state)
			}
		}
	})
}
