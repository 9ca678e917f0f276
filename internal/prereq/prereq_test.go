package prereq

import (
	"os"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test ended instead of
// ending the real one.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()              {}
func (r *recorder) Fatal(args ...any)    { r.fatal = args[0].(string); panic(r) }
func (r *recorder) Skip(args ...any)     { r.skip = args[0].(string); panic(r) }
func (r *recorder) Skipf(string, ...any) { panic("unused") }

func ended(f func(t testing.TB)) (r *recorder) {
	r = &recorder{}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
	}()
	f(r)
	return r
}

func TestMissingFailsInCIAndSkipsElsewhere(t *testing.T) {
	missing := func(t testing.TB) { Command(t, "no-such-pkg", "aihat-no-such-command") }
	t.Setenv("CI", "1")
	r := ended(missing)
	if r.fatal == "" || r.skip != "" || !strings.Contains(r.fatal, "apt-get install no-such-pkg") {
		t.Fatalf("in CI: fatal %q skip %q", r.fatal, r.skip)
	}
	os.Unsetenv("CI")
	r = ended(missing)
	if r.skip == "" || r.fatal != "" || !strings.Contains(r.skip, "aihat-no-such-command") {
		t.Fatalf("outside CI: fatal %q skip %q", r.fatal, r.skip)
	}
	if strings.Contains(r.skip, "\n") {
		t.Fatalf("not one line: %q", r.skip)
	}
}

func TestCommandFindsWhatIsOnPath(t *testing.T) {
	r := ended(func(t testing.TB) {
		if p := Command(t, "coreutils", "aihat-no-such-command", "sh"); !strings.HasSuffix(p, "/sh") {
			t.Fatal("got " + p)
		}
	})
	if r.fatal != "" || r.skip != "" {
		t.Fatalf("fatal %q skip %q", r.fatal, r.skip)
	}
}

func TestHasLocaleNeverFindsAnInventedOne(t *testing.T) {
	if HasLocale("xx_NOWHERE.UTF-8") {
		t.Fatal("found a locale that cannot exist")
	}
}
