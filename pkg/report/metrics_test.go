package report

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/prereq"
)

func TestMetricsCarryValuesLimitsAndVerdicts(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMetrics(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		`aihat_run_info{id="4d65822107fcfd52-20260101T080000Z",serial="4d65822107fcfd52",station="line 3 station",target="sim",tool_version="1.2.3"} 1`,
		`aihat_measurement{step="power.rails",measurement="HAT_5V.max_current",unit="A"} 2.5`,
		`aihat_measurement_high{step="power.rails",measurement="HAT_5V.max_current",unit="A"} 2`,
		`aihat_measurement_pass{step="power.rails",measurement="HAT_5V.max_current",unit="A"} 0`,
		`aihat_measurement_low{step="power.rails",measurement="EXT5V_V.min",unit="V"} 4.75`,
		`aihat_measurement{step="power.rails",measurement="uv_alarm",unit="1"} 0`,
		`aihat_run_pass{outcome="ERROR",simulated="true"} 0`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(got, `measurement="model"`) {
		t.Error("a text value became a metric")
	}
	if !strings.HasSuffix(got, "\n# EOF\n") {
		t.Error("no # EOF at the end: OpenMetrics requires it")
	}
}

// The reference OpenMetrics parser (the Prometheus Python client's, Debian
// python3-prometheus-client, installed by .ci/run) reads the file.
func TestMetricsParseWithTheOpenMetricsParser(t *testing.T) {
	py := "/usr/bin/python3"
	check := exec.Command(py, "-c", "import prometheus_client.openmetrics.parser")
	if err := check.Run(); err != nil {
		prereq.Missing(t, "the Python module prometheus_client for "+py, "apt-get install python3-prometheus-client")
	}
	r := sampleRun()
	r.Steps[1].Measurements[1].Name = `quote " back\slash` // label escaping
	var b bytes.Buffer
	if err := WriteMetrics(&b, r); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", `
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse
fams = list(parse(sys.stdin.read()))
print(sum(len(f.samples) for f in fams))
names = [s.labels.get("measurement") for f in fams for s in f.samples]
assert 'quote " back\\slash' in names, names
`)
	cmd.Stdin = &b
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the OpenMetrics parser refuses metrics.txt: %v\n%s", err, out)
	}
	// 3 numeric measurements x (value, pass) + 1 low (EXT5V_V.min) + 2
	// highs (EXT5V_V.min, HAT_5V.max_current) + the info, verdict and
	// duration samples.
	if strings.TrimSpace(string(out)) != "12" {
		t.Errorf("parser read %s samples, want 12", out)
	}
}
