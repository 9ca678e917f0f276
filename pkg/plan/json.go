package plan

import (
	"bytes"
	"encoding/json"

	"go.yaml.in/yaml/v3"
)

// JSON renders the plan as indented JSON with the same keys as YAML (the
// plan's one schema is its YAML), for scripts that read JSON only.
func (p *Plan) JSON() ([]byte, error) {
	y, err := p.YAML()
	if err != nil {
		return nil, err
	}
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
