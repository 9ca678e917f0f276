package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// go.mod and go.sum say exactly what the code imports: `go mod tidy -diff`
// prints nothing. make lint runs the same check.
func TestGoModIsTidy(t *testing.T) {
	cmd := exec.Command("go", "mod", "tidy", "-diff")
	cmd.Dir = "../.."
	// Offline: tidiness is decided by the module cache the build already
	// filled, never by what a proxy answers today.
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Fatalf("go mod tidy -diff: %v\n%s", err, out)
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	_, lint, _ := strings.Cut(string(mk), "\nlint:")
	lint, _, _ = strings.Cut(lint, "\n\n")
	if !strings.Contains(lint, "mod tidy -diff") {
		t.Fatalf("make lint does not check go.mod:%s", lint)
	}
}
