package hailortcli

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// versionRe matches hailortcli's version flag, which prints
// "HailoRT-CLI version <major>.<minor>.<revision>" (hailo-ai/hailort,
// hailort/hailortcli/hailortcli.cpp: set_version_flag("-v,--version", ...)).
var versionRe = regexp.MustCompile(`HailoRT-CLI version (\d+\.\d+\.\d+)`)

// ParseVersion returns the version in `hailortcli --version` output, or ""
// when there is none.
func ParseVersion(out string) string {
	m := versionRe.FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

// HostVersion asks the host's hailortcli (not the board: HailoRT is a host
// package) for its version; "" when it is not installed. When the CLI
// refuses to run (its libhailort differs, it prints the mismatch on stderr
// and exits non-zero) that line is reported instead.
func HostVersion(ctx context.Context) string {
	path, err := exec.LookPath("hailortcli")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	if v := ParseVersion(string(b)); v != "" && err == nil {
		return v
	}
	msg := strings.TrimSpace(string(b))
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if err != nil {
		msg = strings.TrimSpace(msg + " " + err.Error())
	}
	return fmt.Sprintf("unknown (%s --version: %s)", path, msg)
}
