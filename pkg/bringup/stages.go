package bringup

import (
	"fmt"

	"github.com/aihat/aihat/pkg/i2c"
	"github.com/aihat/aihat/pkg/identify"
	"github.com/aihat/aihat/pkg/stage"
)

// registry maps step names to stages. Each stage package is wired in by a
// stage_<name>.go file in this package calling register from init, so
// stages land without touching each other's lines.
var registry = map[string]stage.Func{}

func register(name string, f stage.Func) {
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("bringup: stage %s registered twice", name))
	}
	registry[name] = f
}

func init() {
	register("board.identify", identify.Stage)
	register("i2c.scan", i2c.ScanStage())
}

// Stages returns the stages by step name.
func Stages() map[string]stage.Func {
	m := make(map[string]stage.Func, len(registry))
	for k, v := range registry {
		m[k] = v
	}
	return m
}
