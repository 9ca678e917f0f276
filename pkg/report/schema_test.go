package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(filepath.Join("..", "..", "docs", "run.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, b []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// The documented schema describes what WriteJSON writes, with series and
// events, and the v1 records written before them.
func TestRecordsValidateAgainstTheDocumentedSchema(t *testing.T) {
	s := compileSchema(t)
	r := sampleRun()
	t0 := r.Started
	r.Steps[0].Series = []Series{{Name: "soc_temp", Unit: "°C", Buckets: []SeriesBucket{{T0: t0, T1: t0.Add(time.Second), N: 2, Min: 44, Mean: 44.5, Max: 45}}}}
	r.Steps[0].Events = []Event{{Time: t0, Kind: "throttle", Detail: "soft_temp_limit_now set"}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, s, buf.Bytes()); err != nil {
		t.Fatalf("v2 record: %v", err)
	}
	v1 := strings.Replace(buf.String(), `"aihat.run/v2"`, `"aihat.run/v1"`, 1)
	if err := validate(t, s, []byte(v1)); err != nil {
		t.Fatalf("v1 record: %v", err)
	}
	golden, _ := os.ReadFile(filepath.Join("testdata", "sample.json"))
	if err := validate(t, s, golden); err != nil {
		t.Fatalf("golden: %v", err)
	}
	// And it can fail: a bucket without samples, an unknown outcome.
	var m map[string]any
	json.Unmarshal(buf.Bytes(), &m)
	m["outcome"] = "MAYBE"
	bad, _ := json.Marshal(m)
	if err := validate(t, s, bad); err == nil {
		t.Fatal("an unknown outcome validated")
	}
}

func TestV1RecordsStillRead(t *testing.T) {
	r := sampleRun()
	var buf bytes.Buffer
	WriteJSON(&buf, r)
	p := filepath.Join(t.TempDir(), "run.json")
	os.WriteFile(p, []byte(strings.Replace(buf.String(), `"aihat.run/v2"`, `"aihat.run/v1"`, 1)), 0o644)
	if back, err := ReadJSONFile(p); err != nil || back.Schema != SchemaV1 {
		t.Fatalf("v1: %v %v", back, err)
	}
}

// A stored run is read from its run.json or from the report directory
// that holds it.
func TestReadRunTakesAFileOrAReportDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := WriteJSONFile(filepath.Join(dir, RunJSONFile), sampleRun()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, RunJSONFile)} {
		if r, err := ReadRun(p); err != nil || len(r.Steps) != len(sampleRun().Steps) {
			t.Errorf("ReadRun(%s): %v, %v", p, r, err)
		}
	}
	if _, err := ReadRun(filepath.Join(dir, "absent")); err == nil {
		t.Error("ReadRun of a missing path: no error")
	}
}
