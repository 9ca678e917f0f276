// Package cmdutil holds the conventions every aihat command shares, as
// cli/cli's pkg/cmdutil: a mistake in how aihat was called is a usage error
// (exit 64) and ExitCode turns what a command returns into the process's
// exit code and the one line it prints; NoArgs and ExactArgs check
// positional arguments that way; AddOutputFlag gives a command its -o flag,
// the formats it can print and nothing else, and WriteJSON is the shape
// every -o json shares.
package cmdutil
