package sacmsg

// Seams for tests (STYLE.md 7): the timeouts, which tests shorten instead of
// sleeping through them. Nothing else reads or writes these variables.
var (
	// replyTimeout bounds Call when its context has no deadline.
	replyTimeout = ReplyTimeout
	// requestTimeout bounds Serve's wait for a connected client's request.
	requestTimeout = RequestTimeout
	// ackTimeout bounds Serve's write of a reply and its data.
	ackTimeout = ReplyTimeout
)
