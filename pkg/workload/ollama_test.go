package workload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// docsFinal is Ollama's documented final object (testdata/ollama, with
// its .SOURCE).
func docsFinal(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/ollama/generate-final-docs.json")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// replay serves /api/generate as NDJSON: the pieces of text, then final
// (nil: the stream is cut there, the connection closed mid-way).
func replay(t *testing.T, pieces []string, final []byte, check func(generateRequest)) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/generate" || r.Method != http.MethodPost {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var req generateRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("request body: %v", err)
		}
		if check != nil {
			check(req)
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		fl := w.(http.Flusher)
		for _, p := range pieces {
			fmt.Fprintf(w, `{"model":"gemma3","created_at":"2025-10-17T23:14:07Z","response":%q,"done":false}`+"\n", p)
			fl.Flush()
		}
		if final == nil {
			// Cut: close the connection under the chunked body, as a
			// server killed mid-answer does.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Write(append(final, '\n'))
	}))
}

func TestOllamaDocumentedStream(t *testing.T) {
	var got generateRequest
	srv := replay(t, []string{"Hello", "!", " How"}, docsFinal(t), func(r generateRequest) { got = r })
	defer srv.Close()
	o := &Ollama{Endpoint: srv.URL + "/", Model: "gemma3", Prompt: "hi", NumPredict: 32}
	g, err := o.Generate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Stream || got.Model != "gemma3" || got.Prompt != "hi" || got.Options["num_predict"] != float64(32) {
		t.Errorf("request %+v: want streaming gemma3 'hi' with num_predict 32", got)
	}
	// 3 pieces + the documented final object, which carries text too
	// (it is the docs' non-streaming example).
	if g.Chunks != 4 || g.EvalCount != 18 || g.PromptEvalCount != 11 || g.DoneReason != "stop" {
		t.Errorf("generation %+v: want 4 chunks, 18+11 tokens, stop", g)
	}
	if g.TTFT <= 0 || g.TTFT > g.Latency {
		t.Errorf("TTFT %v, latency %v: want 0 < TTFT ≤ latency", g.TTFT, g.Latency)
	}
	tps, prefill, ok := g.TokensPerSecond()
	// 18 tokens / 52479709 ns from the documented object.
	want := 18 / 0.052479709
	if !ok || prefill || math.Abs(tps-want) > 1e-9*want {
		t.Errorf("tokens/s %v (prefill %v, ok %v), want %v from eval_count/eval_duration", tps, prefill, ok, want)
	}
	ptps, ok := g.PromptTokensPerSecond()
	if want := 11 / 0.013074791; !ok || math.Abs(ptps-want) > 1e-9*want {
		t.Errorf("prompt tokens/s %v, want %v", ptps, want)
	}
}

// TestOllamaTotalDurationOnly: a final object with eval_count and
// total_duration only (what the issue says hailo-ollama fills) gives
// tokens/s over the total, flagged as including prefill.
func TestOllamaTotalDurationOnly(t *testing.T) {
	srv := replay(t, []string{"a", "b"}, []byte(`{"model":"qwen2:1.5b","response":"","done":true,"total_duration":2000000000,"eval_count":30}`), nil)
	defer srv.Close()
	g, err := (&Ollama{Endpoint: srv.URL, Model: "qwen2:1.5b"}).Generate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tps, prefill, ok := g.TokensPerSecond()
	if !ok || !prefill || tps != 15 {
		t.Errorf("tokens/s %v prefill %v ok %v: want 15 (30 tokens / 2 s total), including prefill", tps, prefill, ok)
	}
	if _, ok := g.PromptTokensPerSecond(); ok {
		t.Error("prompt tokens/s without prompt_eval_*: want none")
	}
	r := RequestRecord(time.Now(), g, nil)
	if r.Outcome != "ok" || r.Tokens != 30 || !r.Prefill || r.TokensPS != 15 {
		t.Errorf("record %+v", r)
	}
}

func TestOllamaErrorClasses(t *testing.T) {
	cut := replay(t, []string{"Hel", "lo"}, nil, nil)
	defer cut.Close()
	garbage := replay(t, []string{"x"}, []byte(`<html>502 Bad Gateway</html>`), nil)
	defer garbage.Close()
	ended := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"response":"x","done":false}`) // clean end, no done object
	}))
	defer ended.Close()
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"model 'nosuch' not found"}`)
	}))
	defer notFound.Close()
	inStream := replay(t, []string{"x"}, []byte(`{"error":"an error was encountered while running the model"}`), nil)
	defer inStream.Close()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"response":"x","done":false}`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()

	for _, c := range []struct {
		name, url string
		class     ErrClass
		says      string
	}{
		{"cut mid-way", cut.URL, ErrMalformed, "stream cut after 2 objects"},
		{"not NDJSON", garbage.URL, ErrMalformed, "object 2"},
		{"ended without done", ended.URL, ErrMalformed, "without the final done object"},
		{"HTTP 404", notFound.URL, ErrStatus, "model 'nosuch' not found"},
		{"error object", inStream.URL, ErrServer, "while running the model"},
		{"hangs", hang.URL, ErrTimeout, "no next object within"},
		{"refused", refusedURL, ErrRefused, "server (hailo-ollama or ollama serve) running"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := &Ollama{Endpoint: c.url, Model: "nosuch", Timeout: 300 * time.Millisecond}
			_, err := o.Generate(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			if Class(err) != c.class || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), c.url) {
				t.Errorf("error %q (class %s): want class %s naming %s and saying %q", err, Class(err), c.class, c.url, c.says)
			}
			r := RequestRecord(time.Now(), Generation{}, err)
			if r.Outcome != string(c.class) || r.Error == "" {
				t.Errorf("record %+v: want outcome %s", r, c.class)
			}
		})
	}
}

// TestOllamaLoopCountsTokensAndRecordsFailures: the load keeps going
// through failed requests and reports each request.
func TestOllamaLoopCountsTokensAndRecordsFailures(t *testing.T) {
	var mu sync.Mutex
	n := 0
	final := docsFinal(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if k == 2 {
			http.Error(w, `{"error":"busy"}`, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "{\"response\":\"hi\",\"done\":false}\n%s\n", final)
	}))
	defer srv.Close()
	var recs []Request
	var rmu sync.Mutex
	l := NewOllama(&Ollama{Endpoint: srv.URL, Model: "gemma3"}, func(r Request) {
		rmu.Lock()
		recs = append(recs, r)
		rmu.Unlock()
	})
	if err := l.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rmu.Lock()
		k := len(recs)
		rmu.Unlock()
		if k >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := l.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	rmu.Lock()
	defer rmu.Unlock()
	if len(recs) < 3 {
		t.Fatalf("%d requests recorded, want ≥ 3", len(recs))
	}
	if recs[0].Outcome != "ok" || recs[1].Outcome != string(ErrStatus) || recs[2].Outcome != "ok" {
		t.Errorf("outcomes %s %s %s: want ok http_status ok", recs[0].Outcome, recs[1].Outcome, recs[2].Outcome)
	}
	oks := 0
	for _, r := range recs {
		if r.Outcome == "ok" {
			oks++
		}
	}
	if l.Done() != float64(18*oks) && l.Done() != float64(18*(oks-1)) { // the last ok may land after Stop read it
		t.Errorf("done %v tokens after %d ok requests of 18 tokens", l.Done(), oks)
	}
}
