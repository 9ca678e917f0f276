// Command aihat brings up and validates a Raspberry Pi 5 with the AI HAT+ 2.
package main

import (
	"context"
	"os"

	"github.com/aihat/aihat/internal/cli"
	"github.com/aihat/aihat/internal/iostreams"
	"github.com/aihat/aihat/pkg/interrupt"
)

// Set by the Makefile with -ldflags -X.
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	// SIGINT, SIGTERM and SIGHUP stop the run and keep what it measured; a
	// second one ends the process at once (after restoring a WP line).
	ctx, stop := interrupt.Notify(context.Background(), os.Stderr, os.Exit)
	code := cli.Main(ctx, os.Args[1:], iostreams.System(), cli.BuildInfo{Version: version, Commit: commit})
	stop()
	os.Exit(code)
}
