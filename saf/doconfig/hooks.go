package doconfig

// Seams for tests. Nothing else writes these variables.

// shellPath is the shell run and runwait start: the original's
// /usr/bin/sh, which is the same program as /bin/sh on Linux. Tests point
// it at the test binary to see exactly what the shell is given.
var shellPath = "/bin/sh"
