package nlps

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// maxEcho is how much of a service code, program or path the answer
// texts repeat: enough for any real one, and short enough that every
// answer fits in MaxAnswer bytes.
const maxEcho = 64

func clip(s string) string {
	if len(s) > maxEcho {
		return s[:maxEcho]
	}
	return s
}

// The texts of the server's answers. The
// server logs the same text.

// UnknownText is the text refusing service code svc as unknown:
// "NLPS: Request for service code <svc> denied, unknown service code".
func UnknownText(svc string) string { return fmt.Sprintf(msgUnknown, clip(svc)) }

// DisabledText is the text refusing service code svc as disabled:
// "NLPS: Request for service code <svc> denied, service is disabled".
func DisabledText(svc string) string { return fmt.Sprintf(msgDisabled, clip(svc)) }

// ExecText is the text announcing that svc starts program argv0:
// "NLPS (svc) exec: argv0".
func ExecText(svc, argv0 string) string { return fmt.Sprintf(msgExec, clip(svc), clip(argv0)) }

// PassfdText is the text announcing that svc's connection goes to the
// standing server at path: "NLPS (svc) passfd: path".
func PassfdText(svc, path string) string { return fmt.Sprintf(msgPassfd, clip(svc), clip(path)) }

// Call is the caller's data a service finds in its environment (the
// original's nlsgetcall).
type Call struct {
	Addr  []byte // NLSADDR decoded
	Opt   []byte // NLSOPT decoded; empty on Linux
	UData []byte // NLSUDATA decoded; empty on Linux
}

// Errors of GetCall, wrapped with the variable's name.
var (
	ErrNoVariable = errors.New("not set")                  // the original's length -11
	ErrOddLength  = errors.New("odd number of hex digits") // -12
	ErrNotHex     = errors.New("not a hex digit")          // -3
)

// GetCall decodes NLSADDR, NLSOPT and NLSUDATA through lookup
// (os.LookupEnv in a service). An empty variable decodes to no bytes; a
// missing one is ErrNoVariable.
func GetCall(lookup func(string) (string, bool)) (Call, error) {
	var c Call
	for _, v := range []struct {
		name string
		dst  *[]byte
	}{{EnvAddr, &c.Addr}, {EnvOpt, &c.Opt}, {EnvUData, &c.UData}} {
		s, ok := lookup(v.name)
		if !ok {
			return Call{}, fmt.Errorf("nlps: %s: %w", v.name, ErrNoVariable)
		}
		if len(s)%2 != 0 {
			return Call{}, fmt.Errorf("nlps: %s=%q: %w", v.name, s, ErrOddLength)
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return Call{}, fmt.Errorf("nlps: %s=%q: %w", v.name, s, ErrNotHex)
		}
		*v.dst = b
	}
	return c, nil
}

// Provider returns the listener's net_spec from NLSPROVIDER (the
// original's nlsprovider), "" when it is not set.
func Provider(lookup func(string) (string, bool)) string {
	s, _ := lookup(EnvProvider)
	return s
}
