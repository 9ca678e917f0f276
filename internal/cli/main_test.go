package cli

import (
	"context"
	"os"
	"testing"

	"github.com/aihat/aihat/internal/iostreams"
)

// asMainEnv makes the test binary run as aihat itself (os.Args after the
// binary's name are aihat's arguments): tests that must kill a real
// process with SIGKILL start it this way, with no separate build.
const asMainEnv = "AIHAT_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], iostreams.System(), BuildInfo{Version: "test", Commit: "abc123"}))
	}
	os.Exit(m.Run())
}
