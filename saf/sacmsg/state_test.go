package sacmsg

import (
	"errors"
	"testing"
)

func TestStateNames(t *testing.T) {
	// sac.md 8.6 and 8.8: the codes and the exact names.
	for _, tt := range []struct {
		s    State
		code uint8
		name string
	}{
		{NotRunning, 0, "NOTRUNNING"},
		{Starting, 1, "STARTING"},
		{Enabled, 2, "ENABLED"},
		{Disabled, 3, "DISABLED"},
		{Stopping, 4, "STOPPING"},
		{Failed, 5, "FAILED"},
		{Unknown, 6, "UNKNOWN"},
		{NoSac, 255, "NO_SAC"},
	} {
		if uint8(tt.s) != tt.code {
			t.Errorf("%s = %d, want %d", tt.name, uint8(tt.s), tt.code)
		}
		if got := tt.s.String(); got != tt.name {
			t.Errorf("State(%d).String() = %q, want %q", tt.code, got, tt.name)
		}
		if got, err := ParseState(tt.name); err != nil || got != tt.s {
			t.Errorf("ParseState(%q) = %v, %v; want %v", tt.name, got, err, tt.s)
		}
	}
	// The PM states of pmmsg are the State codes.
	if PMStarting != Starting || PMEnabled != Enabled || PMDisabled != Disabled || PMStopping != Stopping {
		t.Error("pmmsg state codes differ from the State codes")
	}
}

func TestStateOutOfRange(t *testing.T) {
	if got := State(7).String(); got != "State(7)" {
		t.Errorf("State(7).String() = %q", got)
	}
	for _, name := range []string{"", "enabled", "Enabled", "NO SAC", "State(7)", "ENABLED "} {
		if s, err := ParseState(name); !errors.Is(err, ErrBadState) {
			t.Errorf("ParseState(%q) = %v, %v; want ErrBadState", name, s, err)
		}
	}
}
