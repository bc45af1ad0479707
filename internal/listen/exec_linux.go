package listen

import (
	"github.com/linux-saf/saf/internal/cloexec"
	"github.com/linux-saf/saf/internal/sigreset"
)

// cloexecFrom3 marks every descriptor from 3 up close-on-exec, so the
// service gets exactly 0, 1 and 2. Best effort: the service starts
// regardless.
func cloexecFrom3() { _ = cloexec.From(3) }

// resetSignals gives the service default signal dispositions and an empty
// signal mask (listen(8)). It must run on the thread that calls
// execve, locked with runtime.LockOSThread, because the mask is per
// thread.
func resetSignals() { sigreset.ForExec() }
