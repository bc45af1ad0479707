package sacmsg

import "fmt"

// State is a port monitor's state as sac keeps and reports it (the
// repository's docs/architecture.md#port-monitor-states-in-sac has the
// state machine). The codes are shared by pmmsg (1-4), the AC_STATUS
// listing and sacadm's output.
type State uint8

// The states. NoSac is never sent by sac: sacadm shows it when it lists
// _sactab because sac is not running.
const (
	NotRunning State = 0
	Starting   State = 1
	Enabled    State = 2
	Disabled   State = 3
	Stopping   State = 4
	Failed     State = 5
	Unknown    State = 6
	NoSac      State = 255 // SSTATE
)

var stateNames = [...]string{
	NotRunning: "NOTRUNNING",
	Starting:   "STARTING",
	Enabled:    "ENABLED",
	Disabled:   "DISABLED",
	Stopping:   "STOPPING",
	Failed:     "FAILED",
	Unknown:    "UNKNOWN",
}

// String returns the state's name as sac logs it and sacadm lists it,
// "NO_SAC" for NoSac, and "State(N)" for any other value.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	if s == NoSac {
		return "NO_SAC"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState returns the State named name, one of the exact upper-case
// names String returns (NO_SAC included).
func ParseState(name string) (State, error) {
	for i, n := range stateNames {
		if n == name {
			return State(i), nil
		}
	}
	if name == "NO_SAC" {
		return NoSac, nil
	}
	return 0, fmt.Errorf("sacmsg: %w: %q", ErrBadState, name)
}
