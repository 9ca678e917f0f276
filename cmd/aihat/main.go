// Command aihat brings up and validates a Raspberry Pi 5 with the AI HAT+ 2.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/aihat/aihat/internal/cli"
)

// Set by the Makefile with -ldflags -X.
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.SystemIO(), cli.BuildInfo{Version: version, Commit: commit})
	stop()
	os.Exit(code)
}
