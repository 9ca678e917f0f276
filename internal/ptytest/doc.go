// Package ptytest runs the built aihat binary on a pseudo-terminal, the
// way an operator sees it, and checks what only a terminal shows: that the
// commands with a live progress line exit by themselves, that no progress
// line is wider than the terminal, that redraws leave no trail, and that
// Ctrl-C aborts a run (exit 3). Redirected runs, which every other test
// makes, print plain lines instead and could not see these (issue 23).
//
// The package has tests only. TestMain builds ./cmd/aihat once.
package ptytest
