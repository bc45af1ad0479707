package termios

import (
	"errors"
	"fmt"
)

// ErrUnsupportedSpeed is wrapped by SetSpeed's error for a rate the
// system's Bxxx table lacks.
var ErrUnsupportedSpeed = errors.New("speed not supported")

// SpeedError reports a rate that SetSpeed cannot encode.
type SpeedError struct {
	Baud int
}

func (e *SpeedError) Error() string {
	return fmt.Sprintf("termios: speed %d: %v", e.Baud, ErrUnsupportedSpeed)
}

func (e *SpeedError) Unwrap() error { return ErrUnsupportedSpeed }
