package driver

import (
	"context"
	"strings"

	"github.com/aihat/aihat/pkg/accel"
	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/hailortcli"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// npuIdentity records what the NPU says about itself through `hailortcli
// fw-control identify`: architecture, firmware version, board name,
// serial, part and product numbers, each a measurement without limits
// (fields the device leaves empty, "<N/A>" or omitted, are not recorded).
// It sets env.Findings.NPU, which bench uses to
// choose hailortcli's commands. Without HailoRT, or with a device that
// does not answer, it logs why and records nothing: the PCIe checks above
// already decide whether the accelerator is there.
func npuIdentity(ctx context.Context, env *stage.Env, step *report.Step, dev *accel.Device) {
	out, errOut, err := board.RunOutput(ctx, env.Board, "hailortcli", "fw-control", "identify")
	for _, l := range strings.Split(strings.TrimSpace(string(errOut)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			step.Logf("hailortcli fw-control identify (stderr): %s", l)
		}
	}
	if err != nil {
		step.Logf("NPU identity not read: %v (is HailoRT installed, and its version the driver's?)", err)
		return
	}
	id, err := hailortcli.ParseIdentify(string(out))
	if err != nil {
		step.Logf("NPU identity not read: %v", err)
		return
	}
	if id.Device != "" && dev != nil && id.Device != dev.Address {
		step.Logf("hailortcli identified %s, the PCIe check found %s", id.Device, dev.Address)
	}
	for _, f := range id.Fields() {
		stage.Measure(env, step, stage.M{Name: "npu." + f[0], Value: f[1]})
	}
	env.Findings.NPU = &stage.NPUIdentity{Arch: string(id.Arch), Firmware: id.FirmwareVersion}
	if dv := env.Findings.Driver.Version; dv != "" && id.FirmwareVersion != "" && dv != id.FirmwareVersion {
		step.Logf("NPU firmware %s differs from driver %s: HailoRT wants them equal (a reboot loads the firmware the driver ships)", id.FirmwareVersion, dv)
	}
}
