package cli

import (
	"fmt"

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/synth"
	"github.com/spf13/cobra"
)

// ModelSynthOptions are `aihat model synth`'s flags.
type ModelSynthOptions struct {
	Params    string
	Config    synth.Config
	Out       string
	BlockSize int
}

// ModelCompareOptions are `aihat model compare`'s flags.
type ModelCompareOptions struct {
	Tokens  int
	OrtLib  string
	Threads int
}

func newCmdModel(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "model", Short: "Generate and compare reference models"}
	cmd.AddCommand(newCmdModelSynth(f), newCmdModelCompare(f))
	return cmd
}

// newCmdModelSynth builds `model synth`.
func newCmdModelSynth(f *Factory) *cobra.Command {
	so := &ModelSynthOptions{}
	synthCmd := &cobra.Command{
		Use:   "synth",
		Short: "Write a deterministic decoder-only transformer ONNX model (--out FILE)",
		Long: `Write a decoder-only transformer in ONNX: token and position embedding, N blocks
(RMSNorm or LayerNorm, multi-head attention with a KV cache passed in and out as
past_key.N/past_value.N -> present_key.N/present_value.N, SiLU MLP), final norm and
LM head. Weights are seeded: the same flags give the same bytes (the SHA-256 is printed).

--quant int4 uses com.microsoft MatMulNBits (4-bit blocks with scales, zero point 8),
int8 uses com.microsoft DynamicQuantizeMatMul with per-column scales; the quantized
models keep the embedding in int8 with per-row scales.`,
		Example: "  aihat model synth --params 50M --quant int4 --out synth-50m-int4.onnx",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := so.Out
			if out == "" {
				return usageErrorf("model synth: name the model file to write with --out FILE")
			}
			c, err := so.config(cmd)
			if err != nil {
				return err
			}
			c.Seed = f.Global.Seed
			c, err = c.Normalize()
			if err != nil {
				return usageErrorf("%v", err)
			}
			w, err := synth.Write(c, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "wrote %s: %d B, %d parameters (%s), %s, layers %d hidden %d heads %d vocab %d context %d, sha256 %s\n",
				out, w.Bytes, c.Params(), synth.HumanParams(c.Params()), c.Quant, c.Layers, c.Hidden, c.Heads, c.Vocab, c.Context, w.SHA256)
			return nil
		},
	}
	fl := synthCmd.Flags()
	fl.StringVar(&so.Params, "params", "", "size preset: 50M, 100M or 200M (explicit dimension flags override it)")
	fl.IntVar(&so.Config.Layers, "layers", 2, "transformer blocks")
	fl.IntVar(&so.Config.Hidden, "hidden", 64, "hidden size")
	fl.IntVar(&so.Config.Heads, "heads", 4, "attention heads")
	fl.IntVar(&so.Config.FFN, "ffn", 0, "MLP inner size (default 4×hidden)")
	fl.IntVar(&so.Config.Vocab, "vocab", 1000, "vocabulary size")
	fl.IntVar(&so.Config.Context, "context", 256, "maximum context, tokens")
	fl.StringVar(&so.Config.Norm, "norm", "rms", "rms or layer")
	fl.StringVar(&so.Config.Quant, "quant", "fp32", "fp32, int8 or int4")
	fl.IntVar(&so.Config.BlockSize, "block-size", 32, "int4 block size: 32 or 128")
	fl.StringVar(&so.Out, "out", "", "model file to write (.onnx)")
	addTextOutput(synthCmd, "name the model file with --out FILE")
	return synthCmd
}

// config is the model the flags ask for: a --params preset, its
// dimensions overridden by the dimension flags given.
func (so *ModelSynthOptions) config(cmd *cobra.Command) (synth.Config, error) {
	c := so.Config
	if so.Params == "" {
		return c, nil
	}
	p, err := synth.Preset(so.Params)
	if err != nil {
		return c, usageErrorf("--params: %v", err)
	}
	fl := cmd.Flags()
	pick := func(name string, dst *int, v int) {
		if !fl.Changed(name) {
			*dst = v
		}
	}
	pick("layers", &c.Layers, p.Layers)
	pick("hidden", &c.Hidden, p.Hidden)
	pick("heads", &c.Heads, p.Heads)
	pick("ffn", &c.FFN, p.FFN)
	pick("vocab", &c.Vocab, p.Vocab)
	pick("context", &c.Context, p.Context)
	return c, nil
}

// newCmdModelCompare builds `model compare A.onnx B.onnx`.
func newCmdModelCompare(f *Factory) *cobra.Command {
	co := &ModelCompareOptions{}
	compare := &cobra.Command{
		Use:   "compare A.onnx B.onnx",
		Short: "Run two generative models on the same seeded tokens: top-1 agreement and logit cosine similarity (step model.compare)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.Session().CompareModels(cmd.Context(), args[0], args[1],
				infer.Options{LibPath: co.OrtLib, Threads: co.Threads, Seed: f.Global.Seed}, co.Tokens)
		},
	}
	compare.Flags().IntVar(&co.Tokens, "tokens", 64, "length of the seeded token stream")
	compare.Flags().StringVar(&co.OrtLib, "ort-lib", "", "path of libonnxruntime.so.1")
	compare.Flags().IntVar(&co.Threads, "threads", 0, "ONNX Runtime intra-op threads (default: all cores)")
	return compare
}
