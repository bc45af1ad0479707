package version

import (
	"regexp"
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(mainVersion string, modified string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/linux-saf/saf", Version: mainVersion}}
		if modified != "" {
			bi.Settings = []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
		}
		return bi
	}
	for _, c := range []struct {
		name         string
		v, c         string // set by the linker
		bi           *debug.BuildInfo
		wantV, wantC string
	}{
		{"linker sets both", "v1.2.0-3-gabc1234-dirty", rev, vcs("v9.9.9", "false"), "v1.2.0-3-gabc1234-dirty", rev},
		{"linker sets both, no build info", "abc1234", rev, nil, "abc1234", rev},
		{"nothing at all", "", "", nil, Unknown, ""},
		{"go install @version", "", "", vcs("v1.2.0", ""), "v1.2.0", ""},
		{"go build in a checkout", "", "", vcs("v0.0.0-20260101000000-0123456789ab+dirty", "true"), "v0.0.0-20260101000000-0123456789ab+dirty", rev},
		{"devel with vcs", "", "", vcs("(devel)", "false"), "0123456", rev},
		{"devel with vcs, modified", "", "", vcs("(devel)", "true"), "0123456-dirty", rev},
		{"devel without vcs", "", "", vcs("(devel)", ""), Unknown, ""},
		{"linker sets the version only", "1.2", "", vcs("(devel)", "true"), "1.2", rev},
	} {
		v, cm := resolve(c.v, c.c, c.bi)
		if v != c.wantV || cm != c.wantC {
			t.Errorf("%s: resolve = %q, %q; want %q, %q", c.name, v, cm, c.wantV, c.wantC)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ v, c, want string }{
		{"v0.3.0-12-gabc1234", "abc1234def", "ttymon (linux-saf) v0.3.0-12-gabc1234 (commit abc1234def, built with go1.26.8)"},
		{Unknown, "", "ttymon (linux-saf) unknown (built with go1.26.8)"},
	} {
		if got := format("ttymon", c.v, c.c, "go1.26.8"); got != c.want {
			t.Errorf("format(%q, %q) = %q, want %q", c.v, c.c, got, c.want)
		}
	}
}

// pattern is the shape of every --version line, as the e2e test checks it.
var pattern = regexp.MustCompile(`^sac \(linux-saf\) \S+ \((commit [0-9a-f]+, )?built with go\S+\)$`)

func TestString(t *testing.T) {
	if s := String("sac"); !pattern.MatchString(s) {
		t.Errorf("String = %q, not %v", s, pattern)
	}
	if Version() == "" {
		t.Error("Version is empty")
	}
}

func TestRequested(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"--version"}, true},
		{nil, false},
		{[]string{"-V"}, false},
		{[]string{"-v"}, false},
		{[]string{"--version", "x"}, false},
		{[]string{"--version=1"}, false},
		{[]string{"-t", "--version"}, false},
	} {
		if got := Requested(c.args); got != c.want {
			t.Errorf("Requested(%q) = %v", c.args, got)
		}
	}
}
