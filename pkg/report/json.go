package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aihat/aihat/pkg/safefile"
)

// WriteJSON writes r as indented JSON (schema aihat.run/v2).
func WriteJSON(w io.Writer, r *Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteJSONFile writes r to path atomically (temporary file, fsync,
// rename), so a reader never sees half a record.
func WriteJSONFile(path string, r *Run) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteJSON(w, r) })
}

// ReadJSONFile reads a run record written by WriteJSONFile, checking its
// schema so a file from another tool is refused by name.
func ReadJSONFile(path string) (*Run, error) {
	b, err := safefile.ReadFile(path, safefile.DefaultMax)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not an aihat run record: %v", path, err)
	}
	if r.Schema != Schema && r.Schema != SchemaV1 {
		return nil, fmt.Errorf("%s: schema %q, want %q (or %q)", path, r.Schema, Schema, SchemaV1)
	}
	return &r, nil
}

// ReadRun reads a stored run: a run record (a run.json) or the run.json
// of a report directory.
func ReadRun(path string) (*Run, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, RunJSONFile)
	}
	return ReadJSONFile(path)
}
