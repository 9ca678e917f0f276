package bringup

import (
	"github.com/aihat/aihat/pkg/driver"
	"github.com/aihat/aihat/pkg/overlay"
)

func init() {
	register("overlay.check", overlay.Stage)
	register("driver.check", driver.Stage)
}
