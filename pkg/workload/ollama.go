package workload

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Ollama's /api/generate streams newline-delimited JSON objects: pieces
// of the answer with done false, then one object with done true that
// carries the counts and durations (nanoseconds, docs.ollama.com/api/usage).
// hailo-ollama, the server that runs LLMs on the AI HAT+ 2, answers the
// same API; upstream Ollama on the CPU does too.

// ErrClass says what kind of failure a request met, so a long run can
// count them apart: a server that went away is not a model that answers
// garbage.
type ErrClass string

const (
	ErrRefused   ErrClass = "refused"     // nothing listens at the endpoint (ECONNREFUSED)
	ErrStatus    ErrClass = "http_status" // the server answered with a non-2xx status
	ErrTimeout   ErrClass = "timeout"     // no answer or no next token in time
	ErrMalformed ErrClass = "malformed"   // the stream is not the documented NDJSON, or ended before done
	ErrServer    ErrClass = "server"      // the stream carried an {"error": ...} object
	ErrOther     ErrClass = "other"       // anything else (DNS, reset, ...)
)

// GenerateError is a failed request with its class.
type GenerateError struct {
	Class    ErrClass
	Status   int // HTTP status for ErrStatus
	Endpoint string
	Err      error
}

func (e *GenerateError) Error() string {
	var remedy string
	switch e.Class {
	case ErrRefused:
		remedy = ": is the server (hailo-ollama or ollama serve) running and listening there?"
	case ErrStatus:
		if e.Status == http.StatusNotFound {
			remedy = ": check --model names a model the server has pulled (GET /api/tags lists them)"
		}
	case ErrTimeout:
		remedy = ": the server stopped answering; check its log and the NPU (hailortcli scan)"
	case ErrMalformed:
		remedy = ": the stream is not Ollama's /api/generate NDJSON or was cut; is this an Ollama-compatible server?"
	}
	return fmt.Sprintf("%s /api/generate: %s: %v%s", e.Endpoint, e.Class, e.Err, remedy)
}

func (e *GenerateError) Unwrap() error { return e.Err }

// Class is the class of err: ErrOther when err is not a GenerateError.
func Class(err error) ErrClass {
	var ge *GenerateError
	if errors.As(err, &ge) {
		return ge.Class
	}
	return ErrOther
}

// Generation is one finished /api/generate request.
type Generation struct {
	// Latency is from sending the request to the final object, TTFT to
	// the first object with a non-empty response (both wall clock, s).
	Latency, TTFT time.Duration
	// Chunks counts streamed objects with text.
	Chunks int
	// EvalCount is the generated tokens, PromptEvalCount the prompt's, as
	// the server counted them.
	EvalCount, PromptEvalCount int
	// EvalDuration, PromptEvalDuration, TotalDuration, LoadDuration are
	// the server's figures (0 when it left them out).
	EvalDuration, PromptEvalDuration, TotalDuration, LoadDuration time.Duration
	DoneReason                                                    string
}

// TokensPerSecond is decode speed in tokens/s: eval_count/eval_duration
// where the server fills eval_duration; otherwise eval_count/total_duration
// (hailo-ollama fills only those two), and then includesPrefill is true:
// the figure counts prompt evaluation and model load time too, so it is
// lower than the decode speed. ok is false when neither can be computed.
func (g Generation) TokensPerSecond() (tps float64, includesPrefill, ok bool) {
	switch {
	case g.EvalCount > 0 && g.EvalDuration > 0:
		return float64(g.EvalCount) / g.EvalDuration.Seconds(), false, true
	case g.EvalCount > 0 && g.TotalDuration > 0:
		return float64(g.EvalCount) / g.TotalDuration.Seconds(), true, true
	}
	return 0, false, false
}

// PromptTokensPerSecond is prefill speed in tokens/s from
// prompt_eval_count/prompt_eval_duration, when the server sends both.
func (g Generation) PromptTokensPerSecond() (float64, bool) {
	if g.PromptEvalCount > 0 && g.PromptEvalDuration > 0 {
		return float64(g.PromptEvalCount) / g.PromptEvalDuration.Seconds(), true
	}
	return 0, false
}

// Ollama is a client of one Ollama-compatible server and model.
type Ollama struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:8000
	// (hailo-ollama) or http://127.0.0.1:11434 (ollama serve).
	Endpoint string
	Model    string
	Prompt   string
	// NumPredict caps generated tokens (options.num_predict; 0: the
	// server's default).
	NumPredict int
	// Timeout bounds the wait for the response headers and for each next
	// streamed object (default 2 min: a cold model load on a Pi takes tens
	// of seconds).
	Timeout time.Duration
	Client  *http.Client
}

type generateRequest struct {
	Model   string         `json:"model"`
	Prompt  string         `json:"prompt"`
	Stream  bool           `json:"stream"`
	Options map[string]any `json:"options,omitempty"`
}

type generateChunk struct {
	Response           string `json:"response"`
	Done               bool   `json:"done"`
	DoneReason         string `json:"done_reason"`
	Error              string `json:"error"`
	TotalDuration      int64  `json:"total_duration"`
	LoadDuration       int64  `json:"load_duration"`
	PromptEvalCount    int    `json:"prompt_eval_count"`
	PromptEvalDuration int64  `json:"prompt_eval_duration"`
	EvalCount          int    `json:"eval_count"`
	EvalDuration       int64  `json:"eval_duration"`
}

// Generate sends one streaming request and reads it to the final object.
func (o *Ollama) Generate(ctx context.Context) (Generation, error) {
	ep := strings.TrimRight(o.Endpoint, "/")
	if o.Model == "" {
		return Generation{}, generateError(ep, ErrOther, 0, errors.New("no model: pass --model NAME"))
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	req := generateRequest{Model: o.Model, Prompt: o.Prompt, Stream: true}
	if o.NumPredict > 0 {
		req.Options = map[string]any{"num_predict": o.NumPredict}
	}
	body, _ := json.Marshal(req)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One watchdog for headers and each next object: a server that hangs
	// mid-stream is a timeout, not a run that never ends.
	wd := newWatchdog(timeout, cancel)
	defer wd.stop()
	resp, t0, err := o.post(ctx, ep, body, wd)
	if err != nil {
		return Generation{}, err
	}
	defer resp.Body.Close()
	return readGeneration(ctx, resp.Body, ep, t0, wd)
}

func generateError(ep string, c ErrClass, status int, err error) error {
	return &GenerateError{Class: c, Status: status, Endpoint: ep, Err: err}
}

// watchdog cancels a request when the wait for its headers, or for the
// stream's next object, exceeds the timeout.
type watchdog struct {
	timeout  time.Duration
	timer    *time.Timer
	mu       sync.Mutex
	timedOut bool
}

func newWatchdog(timeout time.Duration, cancel context.CancelFunc) *watchdog {
	wd := &watchdog{timeout: timeout}
	wd.timer = time.AfterFunc(timeout, func() {
		wd.mu.Lock()
		wd.timedOut = true
		wd.mu.Unlock()
		cancel()
	})
	return wd
}

// reset restarts the wait: the next object arrived.
func (wd *watchdog) reset() { wd.timer.Reset(wd.timeout) }

func (wd *watchdog) stop() { wd.timer.Stop() }

// isTimeout says whether err is the watchdog's doing, or the network's
// own timeout.
func (wd *watchdog) isTimeout(err error) bool {
	wd.mu.Lock()
	defer wd.mu.Unlock()
	var ne net.Error
	return wd.timedOut || errors.As(err, &ne) && ne.Timeout()
}

// post sends the request, t0 when it went; a response that is not 2xx is
// an ErrStatus with the server's message.
func (o *Ollama) post(ctx context.Context, ep string, body []byte, wd *watchdog) (resp *http.Response, t0 time.Time, err error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, ep+"/api/generate", bytes.NewReader(body))
	if err != nil {
		return nil, t0, generateError(ep, ErrOther, 0, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	cl := o.Client
	if cl == nil {
		cl = http.DefaultClient
	}
	t0 = time.Now()
	resp, err = cl.Do(hr)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return nil, t0, generateError(ep, ErrRefused, 0, err)
		case wd.isTimeout(err):
			return nil, t0, generateError(ep, ErrTimeout, 0, fmt.Errorf("no response within %s", wd.timeout))
		}
		return nil, t0, generateError(ep, ErrOther, 0, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var e struct {
			Error string `json:"error"`
		}
		text := strings.TrimSpace(string(msg))
		if json.Unmarshal(msg, &e) == nil && e.Error != "" {
			text = e.Error
		}
		return nil, t0, generateError(ep, ErrStatus, resp.StatusCode, fmt.Errorf("HTTP %d: %s", resp.StatusCode, text))
	}
	return resp, t0, nil
}

// readGeneration reads the streamed objects to the final one, timing the
// first token from t0.
func readGeneration(ctx context.Context, body io.Reader, ep string, t0 time.Time, wd *watchdog) (Generation, error) {
	var g Generation
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		wd.reset()
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c generateChunk
		if err := json.Unmarshal(line, &c); err != nil {
			return Generation{}, generateError(ep, ErrMalformed, 0, fmt.Errorf("object %d: %v", g.Chunks+1, err))
		}
		if c.Error != "" {
			return Generation{}, generateError(ep, ErrServer, 0, errors.New(c.Error))
		}
		if g.take(c, t0) {
			return g, nil
		}
	}
	err := sc.Err()
	switch {
	case err != nil && wd.isTimeout(err):
		return Generation{}, generateError(ep, ErrTimeout, 0, fmt.Errorf("no next object within %s after %d", wd.timeout, g.Chunks))
	case err != nil && ctx.Err() != nil:
		return Generation{}, generateError(ep, ErrOther, 0, ctx.Err())
	case err != nil:
		return Generation{}, generateError(ep, ErrMalformed, 0, fmt.Errorf("stream cut after %d objects: %v", g.Chunks, err))
	}
	return Generation{}, generateError(ep, ErrMalformed, 0, fmt.Errorf("stream ended after %d objects without the final done object", g.Chunks))
}

// take adds one streamed object; it is true for the final one, whose
// counts and durations it keeps.
func (g *Generation) take(c generateChunk, t0 time.Time) bool {
	if c.Response != "" {
		if g.Chunks == 0 {
			g.TTFT = time.Since(t0)
		}
		g.Chunks++
	}
	if !c.Done {
		return false
	}
	g.Latency = time.Since(t0)
	g.EvalCount, g.PromptEvalCount = c.EvalCount, c.PromptEvalCount
	g.EvalDuration = time.Duration(c.EvalDuration)
	g.PromptEvalDuration = time.Duration(c.PromptEvalDuration)
	g.TotalDuration = time.Duration(c.TotalDuration)
	g.LoadDuration = time.Duration(c.LoadDuration)
	g.DoneReason = c.DoneReason
	if g.Chunks == 0 && g.EvalCount > 0 {
		// A server that sends all text in the final object: the
		// first token arrived with it.
		g.TTFT = g.Latency
	}
	return true
}

// Request is one request's record for the journal: latency, tokens and
// outcome ("ok" or an ErrClass).
type Request struct {
	Time     time.Time `json:"time"`
	LatencyS float64   `json:"latency_s"`
	TTFTS    float64   `json:"ttft_s,omitempty"`
	Tokens   int       `json:"tokens"`
	TokensPS float64   `json:"tokens_per_s,omitempty"`
	Prefill  bool      `json:"tokens_per_s_includes_prefill,omitempty"`
	Outcome  string    `json:"outcome"`
	Error    string    `json:"error,omitempty"`
}

// RequestRecord turns a Generate result into its journal record.
func RequestRecord(at time.Time, g Generation, err error) Request {
	r := Request{Time: at, LatencyS: g.Latency.Seconds(), TTFTS: g.TTFT.Seconds(), Tokens: g.EvalCount, Outcome: "ok"}
	if err != nil {
		r.Outcome, r.Error = string(Class(err)), err.Error()
		return r
	}
	r.TokensPS, r.Prefill, _ = g.TokensPerSecond()
	return r
}

// PieceRecord is the journal record of one piece of a Loop's work (a
// hailortcli benchmark run): how long it took and whether it failed.
func PieceRecord(took time.Duration, err error) Request {
	if err != nil {
		return Request{LatencyS: took.Seconds(), Outcome: "error", Error: err.Error()}
	}
	return Request{LatencyS: took.Seconds(), Outcome: "ok"}
}

// NewOllama is a load of back-to-back generations, one unit per generated
// token. OnRequest, when set, sees every request (the load test journals
// them); a failed request does not stop the loop, so a long run counts
// errors instead of ending at the first: the loop stops only when ctx ends.
func NewOllama(o *Ollama, onRequest func(Request)) *Loop {
	return &Loop{
		Label:    "Ollama API " + o.Model + " at " + o.Endpoint,
		WorkUnit: "token",
		Step: func(ctx context.Context) (float64, error) {
			at := time.Now()
			g, err := o.Generate(ctx)
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if onRequest != nil {
				onRequest(RequestRecord(at, g, err))
			}
			if err != nil {
				// Back off a little so a dead server is not hammered.
				if sleep(ctx, time.Second) != nil {
					return 0, ctx.Err()
				}
				return 0, nil
			}
			return float64(g.EvalCount), nil
		},
	}
}
