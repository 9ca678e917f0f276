package plan

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// numericKeys walks Plan's fields by their yaml names: every number (or
// pointer to one) and every duration string, as the dotted path KeyRange
// uses, with its kind. Limits are not walked: they are checked as limits.
func numericKeys(t reflect.Type, path string, out map[string]reflect.Kind) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if name == "" || name == "-" || name == "limits" {
				continue
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			numericKeys(f.Type, p, out)
		}
	case reflect.Slice:
		numericKeys(t.Elem(), path+"[]", out)
	case reflect.Int, reflect.Int64, reflect.Uint16, reflect.Uint32, reflect.Float64:
		out[path] = t.Kind()
	case reflect.String:
		last := path[strings.LastIndex(path, ".")+1:]
		for _, d := range []string{"duration", "interval", "idle", "cooldown", "warmup", "window", "health_every", "steady_window"} {
			if last == d {
				out[path] = reflect.String
			}
		}
	}
}

// A numeric plan setting (or a duration) without a KeyRange fails here,
// and so does a KeyRange that names no setting.
func TestEveryNumericPlanKeyHasARange(t *testing.T) {
	keys := map[string]reflect.Kind{}
	numericKeys(reflect.TypeOf(Plan{}), "", keys)
	rules := map[string]KeyRange{}
	for _, r := range KeyRanges {
		if _, dup := rules[r.Key]; dup {
			t.Errorf("%s: two ranges", r.Key)
		}
		rules[r.Key] = r
		k, ok := keys[r.Key]
		if !ok {
			t.Errorf("KeyRanges has %s: no such numeric plan key", r.Key)
		} else if r.Duration != (k == reflect.String) {
			t.Errorf("%s: Duration %v, but the field is a %v", r.Key, r.Duration, k)
		}
	}
	for k := range keys {
		if _, ok := rules[k]; !ok {
			t.Errorf("plan key %s has no range in KeyRanges", k)
		}
	}
	if len(keys) < 50 {
		t.Errorf("walked %d numeric plan keys; the walk misses sections", len(keys))
	}
}

// yamlAt writes v at the dotted key (a list's element for "[]"), one key
// a line, and returns the YAML and the line v is on.
func yamlAt(key, v string) (string, int) {
	var lines []string
	indent, dash := "", ""
	parts := strings.Split(key, ".")
	for i, p := range parts {
		name, list := strings.CutSuffix(p, "[]")
		line := indent + dash + name + ":"
		if dash != "" {
			indent += "  " // the element's keys line up after "- "
		}
		dash = ""
		if i == len(parts)-1 {
			lines = append(lines, line+" "+v)
			break
		}
		lines = append(lines, line)
		indent += "  "
		if list {
			dash = "- "
		}
	}
	return strings.Join(lines, "\n") + "\n", len(lines)
}

// probes are the values every numeric plan key is tried with: 0, -1,
// NaN, ±Inf, a value past what the type holds and one past the range.
func probes(r KeyRange, k string) []string {
	if r.Duration {
		return []string{"0s", "-1s", "NaN", "Inf", "-Inf", "9999999h", time.Duration(r.Max * 2).String()}
	}
	over := "1e400"
	if k != "float64" {
		over = "99999999999999999999"
	}
	return []string{"0", "-1", ".nan", ".inf", "-.inf", over, strconv.FormatFloat(r.Max*2+1, 'f', -1, 64)}
}

// validProbe: 0 where the range holds it or it means something, -1 where
// the range holds it (temperatures); nothing else.
func validProbe(r KeyRange, v string) bool {
	switch v {
	case "0", "0s":
		return r.Zero != "" || r.Min < 0 || r.Min == 0 && !r.MinOpen
	case "-1":
		return r.Min <= -1
	}
	return false
}

// Every numeric plan key, set to 0, -1, NaN, ±Inf or a value that
// overflows, loads (where the range holds it) or fails on its file and
// line naming the key: the range, or the decoder's complaint for a value
// the field's type cannot hold.
func TestEveryNumericPlanKeyRefusesOutOfRangeValues(t *testing.T) {
	keys := map[string]reflect.Kind{}
	numericKeys(reflect.TypeOf(Plan{}), "", keys)
	dir := t.TempDir()
	for _, r := range KeyRanges {
		if r.Moved {
			continue // checkMoved names the limit to use
		}
		for _, v := range probes(r, keys[r.Key].String()) {
			doc, line := yamlAt(r.Key, v)
			path := filepath.Join(dir, "plan.yaml")
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, Known{})
			if validProbe(r, v) {
				if err != nil {
					t.Errorf("%s: %s: %v, want it loaded\n%s", r.Key, v, err, doc)
				}
				continue
			}
			var pe *Error
			flat := strings.ReplaceAll(r.Key, "[]", "")
			if !errors.As(err, &pe) || pe.Line != line || !strings.Contains(strings.ReplaceAll(pe.Msg, "[0]", ""), flat) {
				t.Errorf("%s: %s: %v, want an error on line %d naming %s\n%s", r.Key, v, err, line, flat, doc)
			}
		}
	}
}

// The message names the key, the value and the range.
func TestPlanRangeMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte("power:\n  samples: -5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, Known{})
	if want := path + ":2: power.samples -5: want a count from 1 to 10000000"; err == nil || err.Error() != want {
		t.Errorf("%v, want %s", err, want)
	}
	doc, line := yamlAt("i2c.buses[].expect[].addr", "1")
	if doc != "i2c:\n  buses:\n    - expect:\n        - addr: 1\n" || line != 4 {
		t.Errorf("yamlAt: %q %d", doc, line)
	}
}
