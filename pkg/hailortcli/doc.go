// Package hailortcli reads what HailoRT's command-line tool prints, in the
// formats of both HailoRT generations that a Raspberry Pi 5 meets:
//
//   - HailoRT 4.x (Hailo-8, Hailo-8L: the AI Kit and the AI HAT+):
//     `benchmark` runs three phases and prints "FPS (hw_only) = N",
//     "(streaming) = N", "Latency (hw) = N ms" and, with a power sensor,
//     "Power in streaming mode (average) = N W"; `run --measure-temp` prints
//     "Average chip temperature: N C".
//   - HailoRT 5.x (Hailo-10H: the AI HAT+ 2): `benchmark` is run2's and
//     prints "<net>: FPS: N" and, per device, "power|current|temperature:
//     mean=N min=N max=N" (no units: W, A and °C); `run` is refused ("Use
//     run2 instead"), so the NPU temperature comes from the benchmark.
//
// The formats are those of hailortcli's sources (benchmark_command.cpp,
// run2/run2_command.cpp, infer_stats_printer.cpp, fw_control_command.cpp in
// hailo-ai/hailort, branches hailo8 / v4.x and master / v5.x) and of the
// real outputs under testdata/captures. Which generation a device needs is
// decided by the Device Architecture that `fw-control identify` reports.
package hailortcli
