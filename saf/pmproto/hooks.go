package pmproto

// Seams for tests (STYLE.md 7): nothing but tests writes these.
var (
	// replyTimeout bounds one reply write (ReplyTimeout).
	replyTimeout = ReplyTimeout
)
