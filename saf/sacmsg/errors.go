package sacmsg

import "errors"

// Sentinel errors. Functions wrap them with the record name and the bad
// value; test with errors.Is.
var (
	// ErrShort: the input is shorter than the fixed-size record.
	ErrShort = errors.New("short message")
	// ErrTagTooLong: a tag longer than TagSize bytes was to be marshaled,
	// or a received 15-byte tag field holds no NUL.
	ErrTagTooLong = errors.New("tag too long")
	// ErrBadTag: a tag to be marshaled contains a NUL byte, which would
	// end it early on the wire.
	ErrBadTag = errors.New("tag contains NUL byte")
	// ErrBadSize: a size field is negative or larger than MaxDataSize.
	ErrBadSize = errors.New("bad data size")
	// ErrBadState: ParseState was given a name that is not a state.
	ErrBadState = errors.New("unknown state name")

	// ErrBadStatus: the AC_STATUS data is malformed (sacadm: "Improper
	// message from SAC", exit 3).
	ErrBadStatus = errors.New("improper status data")
	// ErrBadFlags: a status record has flag bits other than FlagDisabled
	// and FlagNoStart (sacadm: "Bad information from SAC", exit 1).
	ErrBadFlags = errors.New("unknown flag bits in status data")

	// ErrNoContact: the admin channel could not be connected to or the
	// request could not be written (sacadm: "Can not contact SAC", exit 4).
	ErrNoContact = errors.New("can not contact sac")
	// ErrNoReply: connected, but no complete, valid reply for our pid
	// arrived before the deadline (sacadm: "Can not contact SAC", exit 10).
	ErrNoReply = errors.New("no reply from sac")
	// ErrShortData: the reply announced more data than arrived (sacadm:
	// "Can not contact SAC", exit 4).
	ErrShortData = errors.New("short data from sac")
)
