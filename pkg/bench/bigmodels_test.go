//go:build !conformance

package bench

// benchBigModels: onnxruntime_go's example_big_compute.onnx (about 6 s an
// inference on one core, 25–40 s under -race on a shared machine) is
// benched by make conformance, which .ci/run runs after make test, not by
// make test, which keeps every package under 90 s.
const benchBigModels = false
