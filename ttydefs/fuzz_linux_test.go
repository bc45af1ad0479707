package ttydefs

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzApplyWords: Apply never panics, accepts exactly what Validate
// accepts, leaves the termios alone when it rejects a word, and Words of
// the result validates and applies back to the same covered settings.
func FuzzApplyWords(f *testing.F) {
	seeds := []string{
		"9600 hupcl sane", "sane", "raw", "-raw cooked", "evenp oddp -parity markp -spacep parext",
		"ispeed 1200 ospeed 76800 153.6", "erase ^H intr ^? kill ^- eof undef min 5 time 300 min a",
		"erase", "ispeed", "ek nl -nl lcase -LCASE tabs -tabs fill del-fill nul-fill -fill",
		"cr3 nl1 tab2 bs1 vt1 ff1 tab8 tty33 loblk -crtsxoff async -rtsxoff dsusp ^Y rows 24",
		"500:5:bf:8a3b:3:1c:7f:15:4:0:1:0:11:13:1a:0:12:f:17:16:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0",
		"2526:1805:1001ad:ba3b:3:1c:7f:15:4:0:0:0:11:13:1a:19:12:f:17:16:14:0",
		"0:0:200031:0:3:1c:7f:15:1:5:0:0", "foo 9600 bar", "ispeed hupcl",
	}
	for i, s := range seeds {
		f.Add(s, uint32(i*0x1111), uint32(0x5), uint32(unix.B9600|unix.CS7|unix.PARENB), uint32(0x8a3b), []byte{3, 0x1c, 0x7f, ' '})
	}
	f.Add(strings.Join(Words(unix.Termios{Cflag: unix.B38400 | unix.CS8}), " "), uint32(0), uint32(0), uint32(0), uint32(0), []byte(nil))
	f.Fuzz(func(t *testing.T, flags string, i, o, c, l uint32, cc []byte) {
		orig := unix.Termios{Iflag: i, Oflag: o, Cflag: c, Lflag: l}
		copy(orig.Cc[:], cc)
		got := orig
		_, err := Apply(&got, flags)
		bad := Validate(flags)
		if err != nil {
			var me *ModeError
			if !errors.As(err, &me) || len(bad) == 0 || me.Word != bad[0] {
				t.Fatalf("Apply(%q) = %v, Validate = %q", flags, err, bad)
			}
			if got != orig {
				t.Fatalf("Apply(%q) failed but changed the termios", flags)
			}
			return
		}
		if bad != nil {
			t.Fatalf("Apply(%q) accepted what Validate rejects: %q", flags, bad)
		}
		words := Words(got)
		if bad := Validate(strings.Join(words, " ")); bad != nil {
			t.Fatalf("Words gave invalid %q", bad)
		}
		var back unix.Termios
		if _, err := ApplyWords(&back, words); err != nil {
			t.Fatal(err)
		}
		if want := covered(got); back != want {
			t.Fatalf("Words round trip of %+v:\n got %+v\nwant %+v", got, back, want)
		}
	})
}
