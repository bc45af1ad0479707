package pmtab_test

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/pmtab"
)

func TestParseListenOptions(t *testing.T) {
	tests := []struct {
		in   string
		want pmtab.ListenOptions
		out  string // canonical form; "" means same as in
	}{
		{in: "", want: pmtab.ListenOptions{}},
		{in: "proto=udp&internal=echo", want: pmtab.ListenOptions{Proto: "udp", Internal: "echo"}},
		{in: "proto=tcp&wait=no", want: pmtab.ListenOptions{Proto: "tcp"}, out: ""},
		{in: "wait=yes", want: pmtab.ListenOptions{Wait: true}},
		{in: "max=5&rate=40", want: pmtab.ListenOptions{MaxInstances: 5, Rate: 40, RatePer: time.Second,
			Pause: 10 * time.Second, PauseMax: 80 * time.Second}},
		{in: "rate=3/2&pause=500ms&pausemax=5", want: pmtab.ListenOptions{Rate: 3, RatePer: 2 * time.Second,
			Pause: 500 * time.Millisecond, PauseMax: 5 * time.Second}},
		{in: "persource=2&v6prefix=48", want: pmtab.ListenOptions{PerSource: 2, V4Prefix: 32, V6Prefix: 48}},
		{in: "timeout=1m30s", want: pmtab.ListenOptions{Timeout: 90 * time.Second}, out: "timeout=90"},
		{in: "allow=127.0.0.1,10.0.0.0/8,fd00%3A%3A/8&deny=%3A%3Affff%3A10.1.2.3",
			want: pmtab.ListenOptions{
				Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
				Deny:  []netip.Prefix{netip.MustParsePrefix("10.1.2.3/32")},
			},
			out: "allow=127.0.0.1,10.0.0.0/8,fd00%3A%3A/8&deny=10.1.2.3"},
		{in: "wrap=in.ftpd", want: pmtab.ListenOptions{Wrap: "in.ftpd"}},
	}
	for _, tt := range tests {
		got, err := pmtab.ParseListenOptions(tt.in)
		if err != nil {
			t.Errorf("ParseListenOptions(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseListenOptions(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		out := tt.out
		if out == "" && tt.in != "proto=tcp&wait=no" {
			out = tt.in
		}
		if s := got.String(); s != out {
			t.Errorf("ParseListenOptions(%q).String() = %q, want %q", tt.in, s, out)
		}
	}
}

func TestParseListenOptionsErrors(t *testing.T) {
	for _, in := range []string{
		"bogus=1", "max", "max=-1", "max=x", "proto=sctp", "wait=maybe", "internal=finger",
		"rate=0", "rate=5/0", "pause=3s", "persource=1&v6prefix=129", "v4prefix=24",
		"allow=10.0.0.0/33", "allow=host.example", "allow=", "deny=fe80::1%25eth0",
		"timeout=-1s", "timeout=9999h", "max=1&max=2", "wrap=a b", "internal=echo&wait=yes",
		"rate=1&pause=10s&pausemax=5s", "allow=%3", "allow=%zz1",
	} {
		_, err := pmtab.ParseListenOptions(in)
		if err == nil {
			t.Errorf("ParseListenOptions(%q) succeeded, want an error", in)
			continue
		}
		if !errors.Is(err, pmtab.ErrListenOptions) {
			t.Errorf("ParseListenOptions(%q) = %v, not an ErrListenOptions", in, err)
		}
	}
}

// TestParseListenOptionsRange: a number out of range in a table is an
// error that gives the range, never a value clamped to fit.
func TestParseListenOptionsRange(t *testing.T) {
	const dur = "want a duration from 0 to a year, such as 30s, 5m or whole seconds"
	for in, why := range map[string]string{
		"max=1073741825":                  "want a whole number from 0 to 1073741824",
		"max=99999999999999999999":        "want a whole number from 0 to 1073741824",
		"persource=99999999999":           "want a whole number from 0 to 1073741824",
		"rate=99999999999":                "want a whole number from 1 to 1073741824",
		"rate=0":                          "want a whole number from 1 to 1073741824",
		"rate=1/99999999999999999999":     dur,
		"rate=1/31622401":                 dur,
		"rate=1&pause=9999999999s":        dur,
		"rate=1&pausemax=99999999999999h": dur,
		"timeout=99999999999999999999":    dur,
		"timeout=8785h":                   dur,
		"persource=1&v4prefix=4294967328": "want a prefix length from 1 to 32",
		"persource=1&v6prefix=-1":         "want a prefix length from 1 to 128",
	} {
		_, err := pmtab.ParseListenOptions(in)
		key, val, _ := strings.Cut(in[strings.LastIndexByte(in, '&')+1:], "=")
		want := pmtab.ErrListenOptions.Error() + ": " + key + "=" + val + ": " + why
		if err == nil || err.Error() != want {
			t.Errorf("ParseListenOptions(%q) = %v, want %q", in, err, want)
		}
	}
	for in, want := range map[string]pmtab.ListenOptions{
		"max=1073741824":                   {MaxInstances: 1 << 30},
		"timeout=31622400":                 {Timeout: 8784 * time.Hour},
		"timeout=8784h":                    {Timeout: 8784 * time.Hour},
		"rate=1073741824/31622400&pause=0": {Rate: 1 << 30, RatePer: 8784 * time.Hour, Pause: 10 * time.Second, PauseMax: 80 * time.Second},
	} {
		got, err := pmtab.ParseListenOptions(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseListenOptions(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	// In a whole tail, the entry is refused.
	if _, err := pmtab.ParseListen(`::co::max=99999999999:/bin/true`); err == nil {
		t.Error("ParseListen with max=99999999999: no error")
	}
}

func TestListenTailWithOptions(t *testing.T) {
	tail := `\x00020FA27F0000010000000000000000::co::max=2&deny=10.0.0.0/8:/bin/sh -c "echo a:b"`
	l, err := pmtab.ParseListen(tail)
	if err != nil {
		t.Fatal(err)
	}
	if l.Flags != pmtab.LFlagCommand|pmtab.LFlagOptions || l.Options.MaxInstances != 2 || l.Command != `/bin/sh -c "echo a:b"` {
		t.Fatalf("ParseListen = %+v", l)
	}
	if got := l.Format(); got != tail {
		t.Errorf("Format = %q, want %q", got, tail)
	}
	if err := l.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// Without o, the same text is the original's: the options are part of
	// the command.
	plain, err := pmtab.ParseListen(strings.Replace(tail, "::co::", "::c::", 1))
	if err != nil || plain.Command != `max=2&deny=10.0.0.0/8:/bin/sh -c "echo a:b"` || !plain.Options.IsZero() {
		t.Errorf("without o: %+v, %v", plain, err)
	}
	// Bad options name the option.
	_, err = pmtab.ParseListen(`::co::max=x:/bin/true`)
	var le *pmtab.ListenError
	if !errors.As(err, &le) || le.Field != "options" {
		t.Fatalf("bad options: %v", err)
	}
	if msg := le.Err.Error(); !strings.HasSuffix(msg, "max=x: want a whole number from 0 to 1073741824") {
		t.Errorf("error = %q", msg)
	}
	if _, err := pmtab.ParseListen(`::co::max=2`); err == nil {
		t.Error("flag o without a COMMAND field: no error")
	}
}

func TestMatchAddressList(t *testing.T) {
	l, err := pmtab.ParseAddressList("127.0.0.0/8, ::1,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"127.1.2.3": true, "::ffff:127.0.0.1": true, "::1": true, "fd12::5": true,
		"128.0.0.1": false, "::2": false, "fe80::1": false,
	} {
		if got := pmtab.MatchAddressList(l, netip.MustParseAddr(addr)); got != want {
			t.Errorf("match %s = %v, want %v", addr, got, want)
		}
	}
}

func FuzzParseListenOptions(f *testing.F) {
	for _, s := range []string{"", "proto=udp&internal=echo", "max=5&rate=40/2&pause=1s", "allow=fd00%3A%3A/8,1.2.3.4&deny=10.0.0.0/8",
		"persource=3&v4prefix=24&v6prefix=56&timeout=1m", "wrap=x&wait=yes", "%41=1", "a&&b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := pmtab.ParseListenOptions(s)
		if err != nil {
			return
		}
		enc := o.String()
		if strings.ContainsAny(enc, ":#\n") {
			t.Fatalf("String() = %q holds a separator", enc)
		}
		back, err := pmtab.ParseListenOptions(enc)
		if err != nil {
			t.Fatalf("String() = %q does not parse: %v", enc, err)
		}
		if !reflect.DeepEqual(back, o) {
			t.Fatalf("round trip %q -> %q: %+v != %+v", s, enc, back, o)
		}
	})
}
