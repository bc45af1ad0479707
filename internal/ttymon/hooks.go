package ttymon

import "time"

// Seams for tests; nothing but tests changes them. The
// others sit beside their users: lookupIdentity, checkDevice and
// checkService (pmtab.go), and rename (log.go).

// Device lock attempts of a bidirectional port.
var (
	deviceLockTries = 5
	deviceLockPause = 2 * time.Second
	sleep           = time.Sleep
)

// testHookOpened runs in a port's goroutine right after the parent has
// opened the port's device: tests change what the device's name leads to
// there.
var testHookOpened func(device string)
