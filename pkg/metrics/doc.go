// Package metrics exposes a load test's live state as Prometheus metrics:
// an Exporter is the run's loadtest.Live hook (sweeps, requests, health
// checks) over its own registry, with client_golang's process and Go
// collectors for aihat's own RSS and open fds. Serve puts the registry on
// /metrics; Textfile writes it for node_exporter's textfile collector.
//
// A series keeps node_exporter's name only where it is the same quantity
// from the same kernel file in the same unit, so a dashboard made for
// node_exporter draws it unchanged:
//
//	soc_temp       node_thermal_zone_temp{zone,type="cpu-thermal"}   °C, thermal_zoneN/temp (zone: N, found as telemetry finds it)
//	fan_rpm        node_hwmon_fan_rpm{chip="platform_cooling_fan",sensor="fan1"}  rpm, pwmfan's fan1_input
//	fan_pwm        node_hwmon_pwm{chip="platform_cooling_fan",sensor="pwm1"}      0–255, pwmfan's pwm1
//	mem_available  node_memory_MemAvailable_bytes                     bytes, /proc/meminfo
//	slab           node_memory_Slab_bytes                             bytes, /proc/meminfo
//
// The chip label is what node_exporter's hwmon collector derives from the
// fan's device path on a Pi 5 (/sys/devices/platform/cooling_fan: bus
// "platform", device "cooling_fan"; testdata/captures/ls_sys_class_hwmon).
// Everything else is aihat_-prefixed, because node_exporter either has no
// such metric or its metric means something else:
//
//   - arm_clock is measure_clock arm, the clock the firmware really runs:
//     aihat_arm_clock_hertz. node_cpu_scaling_frequency_hertz is cpufreq's
//     scaling_cur_freq, which does not show firmware capping on a Pi 5.
//   - undervoltage_alarm is rpi_volt's in0_lcrit_alarm as 0/1:
//     aihat_undervoltage_alarm. node_exporter reads the same file as
//     node_hwmon_in_lcrit_alarm_volts, scaled by 0.001 like a voltage.
//   - get_throttled: aihat_throttled{flag} 0/1 for each named bit (the "now"
//     and "occurred since boot" ones) and aihat_throttled_raw, the bitmask.
//   - PMIC rails (pmic_read_adc), hwmon power monitors and INA2xx rails:
//     aihat_rail_volts, aihat_rail_amps, aihat_rail_watts{source,rail};
//     aihat_pmic_power_watts is the sum over the PMIC's rails. hwmon rails
//     are not node_hwmon_*: the series keeps the rail's label, not the
//     hwmon file (in1, curr1) node_exporter labels by.
//   - the watched process (the server's, or aihat's when it runs the load):
//     aihat_watched_process_resident_memory_bytes, _open_fds, _threads
//     {process}. aihat's own are also process_resident_memory_bytes and
//     process_open_fds from the process collector.
//   - npu.node_present (the NPU's device node exists): aihat_npu_node_present;
//     workload.errors: aihat_workload_errors; workload.done (the work so
//     far): aihat_work_total.
//   - any other sweep series: aihat_sweep_value{series}, in its SI unit.
//
// The run: aihat_sweeps_total, aihat_sweep_timestamp_seconds (the board's
// clock: virtual on the sim), aihat_run_elapsed_seconds,
// aihat_run_planned_seconds, aihat_source_failures_total{source},
// aihat_events_total{kind}, aihat_health_checks_total,
// aihat_health_check_failures_total, aihat_health_ok, aihat_work_total,
// aihat_loadtest_info{target,runtime,model}. Requests (--runtime ollama):
// aihat_requests_total{outcome}, aihat_request_errors_total{class},
// aihat_request_duration_seconds and aihat_request_ttft_seconds
// (histograms of successful requests), aihat_request_tokens_per_second,
// aihat_generated_tokens_total.
//
// Sweep names arrive at run time. Each distinct name is classified once
// and cached; label sets made from names are capped (MaxSeries), and
// values past the cap are counted in aihat_sweep_values_dropped_total, so
// a misbehaving source cannot grow the registry without bound.
package metrics
