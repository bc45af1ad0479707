package ttymon

import (
	"bytes"
	"os"
	"sync"

	"github.com/linux-saf/saf/saf/saflog"
	"github.com/linux-saf/saf/ttydefs"
)

// defs is /etc/ttydefs as ttymon holds it: loaded at start-up and read
// again, when its modification time (whole seconds) has changed, at the
// moment a port is about to be (re)opened. Port goroutines share it.
type defs struct {
	path string
	logf saflog.Logf

	mu    sync.Mutex
	mtime int64 // seconds; -1 before the first load
	table *ttydefs.Table
}

func newDefs(path string, logf saflog.Logf) *defs {
	return &defs{path: path, logf: logf, mtime: -1, table: ttydefs.NewTable(nil)}
}

// checkVersion is the start-up check of the file's version stamp: a
// missing file counts as a failure.
func (d *defs) checkVersion() error {
	data, err := os.ReadFile(d.path)
	if err != nil {
		return err
	}
	return ttydefs.CheckVersion(data)
}

// load reads the file now, logging its diagnostics. A file that cannot be
// read leaves the table as it was.
func (d *defs) load() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.loadLocked(true)
}

func (d *defs) loadLocked(verbose bool) {
	fi, err := os.Stat(d.path)
	var data []byte
	if err == nil {
		data, err = os.ReadFile(d.path)
	}
	if err != nil {
		if verbose {
			d.logf(msgCantOpenDefs, d.path)
		}
		return
	}
	var entries []ttydefs.Entry
	dec := ttydefs.NewDecoder(bytes.NewReader(data)) // a read error on bytes cannot happen
	for {
		rec, ok := dec.Next()
		if !ok {
			break
		}
		if verbose {
			logRecord(rec, d.logf)
		}
		if rec.Loaded() {
			entries = append(entries, rec.Entry)
		}
	}
	d.table = ttydefs.NewTable(entries)
	d.mtime = fi.ModTime().Unix()
}

// logRecord logs what the original logged for a line of /etc/ttydefs:
// nothing for a loaded entry. "Entry too long." is
// only logged when listing (sttydefs -l), which ttymon does not do.
func logRecord(rec ttydefs.Record, logf saflog.Logf) {
	switch {
	case rec.Full:
		logf(msgDefsFull, ttydefs.MaxEntries)
	case rec.Err != nil:
		// The original's stty parser stopped at the first word it did
		// not know.
		if len(rec.Err.Modes) > 0 {
			logf(msgInvalidMode, rec.Err.Modes[0])
		}
		cut := min(rec.Err.Pos+1, len(rec.Err.Text))
		logf(msgDefsFailure, defsFields[rec.Err.Field], rec.Err.Text[:cut])
	case rec.Dup:
		logf(msgDuplicateDef, rec.Entry.Label)
	}
}

// defsFields are the names parse failures give the fields of a ttydefs
// entry.
var defsFields = map[ttydefs.Field]string{
	ttydefs.FieldLabel:    fieldTTYLabel,
	ttydefs.FieldInitial:  fieldInitial,
	ttydefs.FieldFinal:    fieldFinal,
	ttydefs.FieldAutobaud: fieldAutobaud,
	ttydefs.FieldNext:     fieldNextLabel,
}

// current returns the table, reading the file again first when its
// modification time changed since the last load.
func (d *defs) current() *ttydefs.Table {
	d.mu.Lock()
	defer d.mu.Unlock()
	if fi, err := os.Stat(d.path); err == nil && fi.ModTime().Unix() != d.mtime {
		d.loadLocked(true)
	}
	return d.table
}

// lookupLabel returns the entry for label from t, or the built-in
// default entry after logging `unable to find <label> in "<path>"`,
// path being the file read. An empty
// label takes the default silently, as in the original.
func lookupLabel(t *ttydefs.Table, label, path string, logf saflog.Logf) ttydefs.Entry {
	if e, ok := t.Lookup(label); ok {
		return e
	}
	if label == "" {
		return ttydefs.DefaultEntry() // get_speed: no label, no message
	}
	logf(msgNoLabel, label, path)
	return ttydefs.DefaultEntry()
}

// readDefsQuiet loads a ttydefs file without logging: the per-port child
// uses it (the parent has already reported what is wrong with the file;
// the original's child had the parent's table).
func readDefsQuiet(path string) *ttydefs.Table {
	d := newDefs(path, saflog.Discard)
	d.loadLocked(false)
	return d.table
}
