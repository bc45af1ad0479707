package sacadm

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmstatus"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/ttydefs"
)

// What sacadm knows about the port monitor types this package ships, for
// --status and -x --dry-run: how their _pmtab lines are read, so that a
// table entry can be compared with what the running port monitor says it
// loaded (pmstatus.Service.Entry), and where each entry listens.

// Port monitor types with their own _pmtab format.
const (
	typeTTYMon = "ttymon"
	typeListen = "listen"
)

// statusTimeout bounds one port monitor's answer on its status socket.
const statusTimeout = 2 * time.Second

// queryStatus asks the port monitor tag for its status. ok is false when
// it does not answer (not running, or a port monitor that has no status
// socket); err then says why, for --dry-run's report.
var queryStatus = func(root paths.Root, tag string) (st pmstatus.Status, ok bool, err error) {
	st, err = pmstatus.Query(root.PMStatus(tag), statusTimeout)
	return st, err == nil, err
}

// tableEntry is one entry of a _pmtab as sacadm reads it.
type tableEntry struct {
	pmtab.Entry
	// Key is the entry's text as its port monitor reports the entry it
	// loaded: the line without its comment and surrounding blanks, read
	// with the port monitor's own rules for comments.
	Key string
}

// pmTable is a port monitor's _pmtab.
type pmTable struct {
	Path    string
	Data    []byte
	Entries []tableEntry
}

// readPMTab reads the _pmtab of port monitor tag of type pmtype. A
// missing table is an empty one with a nil error only when missingOK.
func readPMTab(root paths.Root, tag, pmtype string) (*pmTable, error) {
	path := root.PMTab(tag)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &pmTable{Path: path, Data: data}
	var ttyText map[int]string
	if pmtype == typeTTYMon {
		// ttymon cuts comments at an unescaped '#'.
		ttyText = map[int]string{}
		sc := ttydefs.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			ttyText[sc.Line().Num] = sc.Line().Text
		}
	}
	for _, e := range pmtab.Parse(data) {
		te := tableEntry{Entry: e}
		if ttyText != nil {
			te.Key = strings.TrimSpace(ttyText[e.Line])
		} else {
			te.Key = EntryKey(e.Raw)
		}
		t.Entries = append(t.Entries, te)
	}
	return t, nil
}

// EntryKey is how listen (and any port monitor that cuts comments at
// the first '#') reports a raw _pmtab line it loaded: up to the first
// '#', surrounding blanks removed.
func EntryKey(raw string) string {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	return strings.TrimSpace(raw)
}

// where returns the device or the readable address of entry e of a
// port monitor of type pmtype, or "" when it cannot tell.
func where(pmtype string, e *pmtab.Entry) string {
	switch pmtype {
	case typeTTYMon:
		if tty, err := pmtab.ParseTTY(e.PMSpecific); err == nil {
			return tty.Device
		}
	case typeListen:
		l, err := pmtab.ParseListen(e.PMSpecific)
		if err != nil {
			return ""
		}
		if l.Flags&pmtab.LFlagDynamic != 0 {
			return whereDynamic
		}
		return nlsaddr.Readable(l.Address)
	}
	return ""
}

// notFound reports whether err is a missing file.
func notFound(err error) bool { return errors.Is(err, fs.ErrNotExist) }
