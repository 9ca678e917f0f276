package workload

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/aihat/aihat/pkg/infer"
)

// NewORT is a load of back-to-back inferences of an open ONNX Runtime
// session on seeded inputs (bench's plain-model inputs), one unit per
// inference. It runs on whatever provider the session landed on: on a Pi
// without a Hailo execution provider that is the CPU. The caller closes
// the session after Stop.
func NewORT(s *infer.Session) (*Loop, error) {
	in, err := s.FillInputs()
	if err != nil {
		return nil, fmt.Errorf("inputs for %s: %w", s.Path, err)
	}
	raw := s.Raw()
	// As bench runs it: outputs onnxruntime_go cannot allocate itself
	// (float16, bfloat16, complex, rank 0) are preallocated and kept.
	outs, owned := s.NewOutputs()
	return &Loop{
		Label:    "ONNX Runtime " + filepath.Base(s.Path),
		WorkUnit: "inference",
		Step: func(context.Context) (float64, error) {
			if err := raw.Run(in, outs); err != nil {
				return 0, fmt.Errorf("model %s: inference failed: %v", s.Path, err)
			}
			for i, v := range outs {
				if !owned[i] && v != nil {
					v.Destroy()
					outs[i] = nil
				}
			}
			return 1, nil
		},
	}, nil
}
