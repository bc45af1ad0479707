package sac

// Seams for tests, each a no-op in sac.

// afterMkfifo runs between creating a FIFO and opening it, where another
// process could swap what is at the path; tests do the swap here.
var afterMkfifo = func(path string) {}
