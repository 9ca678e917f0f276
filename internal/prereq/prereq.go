// Package prereq is how a test says that a tool or file it needs from the
// machine is missing. The README lists every such prerequisite with the
// Debian package that brings it; a test that lacks one prints one line
// naming that package and skips, except in CI (CI set), which installs
// them all, so there a missing one is a failure rather than a silent skip.
package prereq

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Missing ends the test because what it needs is not on this machine:
// a failure when CI is set, a skip otherwise, with one line naming the
// remedy.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	line := fmt.Sprintf("prerequisite missing: %s (install: %s; see README, \"The two commands\")", what, install)
	if os.Getenv("CI") != "" {
		t.Fatal(line)
	}
	t.Skip(line)
}

// Command returns the path of the first of names found on PATH, or ends
// the test naming the Debian package that provides it.
func Command(t testing.TB, debianPkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Missing(t, "command "+strings.Join(names, " or "), "apt-get install "+debianPkg)
	return ""
}

// LocaleUTF8 is the remedy for a missing en_US.UTF-8 locale on Debian.
const LocaleUTF8 = "apt-get install locales; enable en_US.UTF-8 in /etc/locale.gen; locale-gen"

// HasLocale says whether `locale -a` lists the locale (written as glibc
// normalises it: en_US.utf8 for en_US.UTF-8).
func HasLocale(name string) bool {
	out, err := exec.Command("locale", "-a").Output()
	if err != nil {
		return false
	}
	want := strings.ToLower(strings.ReplaceAll(name, "UTF-8", "utf8"))
	for _, l := range strings.Fields(strings.ToLower(string(out))) {
		if strings.ReplaceAll(l, "utf-8", "utf8") == want {
			return true
		}
	}
	return false
}

// Locale ends the test unless the locale is installed.
func Locale(t testing.TB, name string) {
	t.Helper()
	if !HasLocale(name) {
		Missing(t, "the "+name+" locale", LocaleUTF8)
	}
}
