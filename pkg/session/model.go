package session

import (
	"context"

	"github.com/aihat/aihat/pkg/bench"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/infer"
)

// CompareModels runs two generative models on the same seeded tokens
// (model.compare): top-1 agreement and logit cosine similarity, in a
// record of one step.
func (s *Session) CompareModels(ctx context.Context, a, b string, o infer.Options, tokens int) error {
	pair, err := infer.OpenPair(a, b, o)
	if err != nil {
		return err
	}
	defer pair.Close()
	env, err := s.Env()
	if err != nil {
		return err
	}
	ids := infer.Prompt(o.Seed, tokens, pair.CA.Vocab)
	return s.Run(ctx, env, []bringup.Step{{Name: "model.compare", Func: bench.CompareStage(bench.CompareOptions{Pair: pair, A: a, B: b, IDs: ids})}})
}
