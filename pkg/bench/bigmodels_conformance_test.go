//go:build conformance

package bench

// benchBigModels: make conformance benches onnxruntime_go's
// example_big_compute.onnx too (see bigmodels_test.go).
const benchBigModels = true
