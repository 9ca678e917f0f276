package infer

import "fmt"

// Pair is two generative models opened to be compared on one token
// stream.
type Pair struct {
	A, B   *Session
	CA, CB *Cache
}

// OpenPair opens both models; they must be generative (token ids in,
// logits and a KV cache out) and share a vocabulary.
func OpenPair(a, b string, o Options) (*Pair, error) {
	sa, err := Open(a, o)
	if err != nil {
		return nil, err
	}
	sb, err := Open(b, o)
	if err != nil {
		sa.Close()
		return nil, err
	}
	p := &Pair{A: sa, B: sb}
	ca, ok := sa.Generative()
	cb, ok2 := sb.Generative()
	if !ok || !ok2 {
		p.Close()
		return nil, fmt.Errorf("model compare needs two generative models (token ids in, logits and a KV cache out)")
	}
	if ca.Vocab != cb.Vocab {
		p.Close()
		return nil, fmt.Errorf("model compare: vocabularies differ (%d and %d tokens)", ca.Vocab, cb.Vocab)
	}
	p.CA, p.CB = ca, cb
	return p, nil
}

// Close releases both sessions.
func (p *Pair) Close() {
	p.A.Close()
	p.B.Close()
}

// CompareResult is how closely two models agree on one token stream.
type CompareResult struct {
	Top1       float64 // fraction of positions with the same arg-max
	CosineMean float64
	CosineMin  float64
}

// Compare runs both models over ids with an empty cache and compares the
// logits at every position.
func (p *Pair) Compare(ids []int64) (CompareResult, error) {
	ra, err := p.A.Forward(p.CA, ids)
	if err != nil {
		return CompareResult{}, err
	}
	rb, err := p.B.Forward(p.CB, ids)
	if err != nil {
		return CompareResult{}, err
	}
	res := CompareResult{CosineMin: 1}
	same := 0
	for i := range ra {
		if Argmax(ra[i]) == Argmax(rb[i]) {
			same++
		}
		c := Cosine(ra[i], rb[i])
		res.CosineMean += c
		res.CosineMin = min(res.CosineMin, c)
	}
	res.Top1 = float64(same) / float64(len(ra))
	res.CosineMean /= float64(len(ra))
	return res, nil
}
