//go:build !arm64 && !loong64 && !s390x

package utmp

// RecordSize is the size of a record on this architecture: glibc's narrow
// layout (32-bit ut_session and ut_tv).
const RecordSize = 384

// host is the layout of this architecture's glibc.
var host = &narrow
