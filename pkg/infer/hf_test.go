package infer

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/aihat/aihat/pkg/synth"
)

// A Hugging Face-style decoder export (input_ids, attention_mask,
// position_ids, past_key_values.N.key/value → present.N.key/value,
// com.microsoft GroupQueryAttention with 2 key/value heads for 4 query
// heads; int8 through the MatMulInteger chain) is detected as generative
// and driven by the KV-cache loop: greedy generation with the cache fed
// back agrees with a full recompute of the whole sequence.
func TestHuggingFaceLayoutGeneratesWithItsKVCache(t *testing.T) {
	for _, q := range []string{synth.FP32, synth.Int8, synth.Int4} {
		t.Run(q, func(t *testing.T) {
			c := synth.Config{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 128, Vocab: 97, Context: 64, Seed: 7, Quant: q, Layout: synth.LayoutHF}
			path := filepath.Join(t.TempDir(), "hf-"+q+".onnx")
			if _, err := synth.Write(c, path); err != nil {
				t.Fatal(err)
			}
			s := open(t, path, Options{Threads: 1})
			cache, ok := s.Generative()
			if !ok {
				t.Fatal("HF-layout model not detected as generative")
			}
			if cache.Style != "huggingface" || cache.MaskInput < 0 || cache.PosInput < 0 || len(cache.Past) != 4 || cache.Vocab != 97 {
				t.Fatalf("cache = %+v", cache)
			}
			for k, i := range cache.Past {
				in, out := s.Inputs[i].Name, s.Outputs[cache.Present[k]].Name
				want := map[string]string{synth.HFPastKey(k / 2): synth.HFPresentKey(k / 2), synth.HFPastValue(k / 2): synth.HFPresentValue(k / 2)}
				if want[in] != out || cache.PastSeqDim[k] != 2 {
					t.Fatalf("cache input %s feeds from %s (dim %d)", in, out, cache.PastSeqDim[k])
				}
			}
			prompt := Prompt(1, 5, cache.Vocab)
			var stepLogits [][]float32
			res, err := s.Generate(cache, prompt, 6, func(_ int, l []float32, _ int64) { stepLogits = append(stepLogits, l) })
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.Forward(cache, append(append([]int64{}, prompt...), res.Tokens[:5]...))
			if err != nil {
				t.Fatal(err)
			}
			for i, tok := range res.Tokens {
				full := rows[len(prompt)-1+i]
				// fp32 and int4 differ between the two paths only by
				// summation order (relative 1e-6); int8 requantizes the
				// activations per call (DynamicQuantizeLinear, one step of
				// 1/255 of the range), which stays far above 0.99.
				if cs := Cosine(stepLogits[i], full); cs < 0.99 {
					t.Fatalf("token %d: cached and recomputed logits differ (cosine %.4f)", i, cs)
				}
				if got := argmax(full); q != synth.Int8 && got != tok {
					t.Fatalf("token %d: cached generation chose %d, full recompute %d", i, tok, got)
				}
			}
			again, err := s.Generate(cache, prompt, 6, nil)
			if err != nil || !slices.Equal(again.Tokens, res.Tokens) {
				t.Fatalf("not deterministic: %v then %v (%v)", res.Tokens, again.Tokens, err)
			}
		})
	}
}
