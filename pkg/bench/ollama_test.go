package bench

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aihat/aihat/pkg/report"
)

// ollamaServer replays /api/generate: two pieces, then final; the
// request numbered failAt (from 1) gets HTTP 503.
func ollamaServer(t *testing.T, final string, failAt int64) *httptest.Server {
	var n atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/generate" {
			http.NotFound(w, r)
			return
		}
		if n.Add(1) == failAt {
			http.Error(w, `{"error":"server busy"}`, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "{\"response\":\"Hel\",\"done\":false}\n{\"response\":\"lo\",\"done\":false}\n%s\n", final)
	}))
}

func TestOllamaRuntime(t *testing.T) {
	docs, err := os.ReadFile("../workload/testdata/ollama/generate-final-docs.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := ollamaServer(t, strings.TrimSpace(string(docs)), 0)
	defer srv.Close()
	step, _ := runStage(t, BenchOptions{Runtime: "ollama", Endpoint: srv.URL, Model: "gemma3:1b", Iterations: 3})
	if step.Name != "bench.gemma3-1b" {
		t.Errorf("step %s, want bench.gemma3-1b", step.Name)
	}
	if step.Outcome != report.Pass {
		t.Fatalf("outcome %s: %+v %v", step.Outcome, step.Measurements, step.Log)
	}
	// The documented final object: 18 tokens in 52479709 ns, 11 prompt
	// tokens in 13074791 ns, the same in each of the 3 requests.
	if v := value(t, step, "decode_tokens_per_s").Value.(float64); math.Abs(v-18/0.052479709) > 1e-6 {
		t.Errorf("decode %v tokens/s, want %v", v, 18/0.052479709)
	}
	if v := value(t, step, "prefill_tokens_per_s").Value.(float64); math.Abs(v-11/0.013074791) > 1e-6 {
		t.Errorf("prefill %v tokens/s", v)
	}
	if v := value(t, step, "iterations").Value.(float64); v != 3 {
		t.Errorf("%v generations, want 3", v)
	}
	if v := value(t, step, "ttft").Value.(float64); !(v > 0) {
		t.Errorf("ttft %v s", v)
	}
	for _, m := range step.Measurements {
		if m.Name == "tokens_per_s_incl_prefill" {
			t.Error("eval_duration was sent: no includes-prefill figure wanted")
		}
	}
}

// TestOllamaRuntimeTotalOnlyAndErrors: a server that sends eval_count and
// total_duration only gives the includes-prefill figure, and one failed
// request fails request_errors.
func TestOllamaRuntimeTotalOnlyAndErrors(t *testing.T) {
	srv := ollamaServer(t, `{"response":"","done":true,"eval_count":30,"total_duration":3000000000}`, 2)
	defer srv.Close()
	step, _ := runStage(t, BenchOptions{Runtime: "ollama", Endpoint: srv.URL, Model: "qwen2:1.5b", Iterations: 3})
	if v := value(t, step, "tokens_per_s_incl_prefill").Value.(float64); v != 10 {
		t.Errorf("%v tokens/s, want 10 (30 tokens / 3 s)", v)
	}
	m := value(t, step, "request_errors")
	if m.Value.(float64) != 1 || m.Outcome != report.Fail || !strings.Contains(m.Message, srv.URL) {
		t.Errorf("request_errors %+v: want 1, FAIL, naming the endpoint", m)
	}
	if step.Outcome != report.Fail {
		t.Errorf("outcome %s, want FAIL", step.Outcome)
	}
}

func TestOllamaRuntimeRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	step, _ := runStage(t, BenchOptions{Runtime: "ollama", Endpoint: url, Model: "gemma3", Iterations: 2})
	if step.Outcome != report.Error {
		t.Errorf("outcome %s, want ERROR", step.Outcome)
	}
	if err := (BenchOptions{Runtime: "ollama", Model: "gemma3"}).Check(); err == nil || !strings.Contains(err.Error(), "--endpoint") {
		t.Errorf("check without endpoint: %v", err)
	}
}
