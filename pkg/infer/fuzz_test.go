package infer

import (
	"testing"

	"github.com/aihat/aihat/pkg/onnx"
)

// User files never panic the readers, and what they accept is
// self-consistent: as many data bytes as the shape says.
func FuzzReadInputFiles(f *testing.F) {
	f.Add([]byte("\x93NUMPY\x01\x00\x36\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n\x00\x00\x80?\x00\x00\x00@"))
	t := onnx.FloatTensor("x", []int64{2}, []float32{1, 2})
	f.Add(onnx.MarshalTensor(&t))
	f.Add([]byte{0x08, 0x02, 0x10, 0x0a, 0x28, 0x80, 0x78, 0x28, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, err := ReadNpy(b); err == nil {
			if int64(len(x.Raw)) != elements(x.Dims)*int64(x.DataType.ElemSize()) {
				t.Fatalf("npy: %d B for %s%v", len(x.Raw), x.DataType, x.Dims)
			}
		}
		onnx.UnmarshalTensor(b)
		onnx.UnmarshalSequence(b)
		decodeOptional(b)
		pbName(b)
	})
}
