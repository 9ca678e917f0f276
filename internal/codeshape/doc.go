// Package codeshape holds only tests: they parse every non-test,
// non-generated Go file of the module and fail on any function longer
// than 80 lines or with a cyclomatic complexity above 25 (issue 24).
// Keeping the limits in a test, rather than in a linter run by hand,
// makes them hold on every `go test ./...`.
package codeshape
