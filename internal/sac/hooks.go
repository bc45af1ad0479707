package sac

import "github.com/linux-saf/saf/saf/lockfile"

// Seams for tests: each is a no-op, or the real thing, in sac.

// afterMkfifo runs between creating a FIFO and opening it, where another
// process could swap what is at the path; tests do the swap here.
var afterMkfifo = func(path string) {}

// replaceLocked is lockfile.ReplaceLocked, which puts a copy of the log in
// place of one others could open; tests make it fail (no room for the
// copy).
var replaceLocked = lockfile.ReplaceLocked
