// Command reportcheck checks that a report directory holds one complete
// set of reports from a single run (or none yet) and no temporary files:
// what scripts/killtest.sh asserts after every SIGKILL.
//
//	go run ./scripts/reportcheck [-xsd JUnit.xsd] DIR
//
// Exit 0: consistent (prints the run id or "empty"); 1: not, with why.
package main

import (
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aihat/aihat/pkg/report"
)

func main() {
	xsd := flag.String("xsd", "", "validate junit.xml against this schema with xmllint")
	maxLeft := flag.Int("max-leftovers", 0, "work files a killed run may have left (its own unpublished set and link); each run removes those of the runs before it")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: reportcheck [-xsd FILE] DIR")
		os.Exit(64)
	}
	id, err := check(flag.Arg(0), *xsd, *maxLeft)
	if err != nil {
		fmt.Fprintf(os.Stderr, "reportcheck %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	fmt.Println(id)
}

func check(dir, xsd string, maxLeft int) (string, error) {
	if left := leftovers(dir); len(left) > maxLeft {
		return "", fmt.Errorf("%d work files left behind (at most %d allowed): %s", len(left), maxLeft, strings.Join(left, ", "))
	}
	present := 0
	for _, name := range report.ReportFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			present++
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	if present == 0 {
		return "empty", nil // killed before any set was published: nothing, not a mix
	}
	if present != len(report.ReportFiles) {
		return "", fmt.Errorf("%d of %d report files present: an incomplete set", present, len(report.ReportFiles))
	}
	r, err := report.ReadJSONFile(filepath.Join(dir, report.RunJSONFile))
	if err != nil {
		return "", err
	}
	if r.ID == "" || r.Outcome == "" {
		return "", fmt.Errorf("run.json has no id or outcome")
	}
	j, err := os.ReadFile(filepath.Join(dir, report.JUnitFile))
	if err != nil {
		return "", err
	}
	var suites struct {
		Suites []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(j, &suites); err != nil {
		return "", fmt.Errorf("junit.xml: %v", err)
	}
	if len(suites.Suites) != 1 || !strings.Contains(suites.Suites[0].Name, r.ID) {
		return "", fmt.Errorf("junit.xml is not from run %s (suites %+v)", r.ID, suites.Suites)
	}
	if xsd != "" {
		if out, err := exec.Command("xmllint", "--noout", "--schema", xsd, filepath.Join(dir, report.JUnitFile)).CombinedOutput(); err != nil {
			return "", fmt.Errorf("junit.xml does not validate: %v: %s", err, out)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile))
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(string(md), "# aihat run "+r.ID+":") {
		return "", fmt.Errorf("report.md is not from run %s", r.ID)
	}
	page, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(page), "<title>aihat ") || !strings.Contains(string(page), "aihat run "+r.ID+"<") || !strings.HasSuffix(strings.TrimSpace(string(page)), "</html>") {
		return "", fmt.Errorf("report.html is not a whole page from run %s", r.ID)
	}
	metrics, err := os.ReadFile(filepath.Join(dir, report.MetricsFile))
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(metrics), `aihat_run_info{id="`+r.ID+`"`) || !strings.HasSuffix(string(metrics), "# EOF\n") {
		return "", fmt.Errorf("metrics.txt is not a whole file from run %s", r.ID)
	}
	return r.ID, nil
}

// leftovers are the work files of unpublished runs: sets other than the
// current one, temporary links and files.
func leftovers(dir string) []string {
	var out []string
	cur, _ := os.Readlink(filepath.Join(dir, ".aihat", "current"))
	sets, _ := os.ReadDir(filepath.Join(dir, ".aihat", "sets"))
	for _, e := range sets {
		if filepath.Join("sets", e.Name()) != cur {
			out = append(out, filepath.Join(".aihat", "sets", e.Name()))
		}
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && report.IsTempName(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	return out
}
