package bringup

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the module root, two levels up from this package.
func repoRoot() string { return filepath.Join("..", "..") }

// No init() registries anywhere: the stage table, the command list and
// the plan's defaults are explicit lists a reader can find.
func TestNoInitRegistries(t *testing.T) {
	re := regexp.MustCompile(`(?m)^func init\(\)`)
	err := filepath.WalkDir(repoRoot(), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".cache" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if re.Match(b) {
			t.Errorf("%s has a func init()", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Stage code makes no verdict of its own: no limits built in code, no
// outcome or message edited after evaluation, no row added past
// stage.Measure. Limits come from the plan, through one path.
func TestStagePackagesMeasureOnlyThroughStageMeasure(t *testing.T) {
	banned := regexp.MustCompile(`report\.(AtLeast|AtMost|Equal|Between)\(|\.Outcome = |\.Outcome, |\.Message = |step\.Add\(|Limits:`)
	for _, s := range Table() {
		dir := filepath.Join(repoRoot(), "pkg", strings.SplitN(s.Name, ".", 2)[0])
		switch s.Name {
		case "board.identify":
			dir = filepath.Join(repoRoot(), "pkg", "identify")
		case "eeprom.verify":
			dir = filepath.Join(repoRoot(), "pkg", "eeprom")
		case "overlay.check":
			dir = filepath.Join(repoRoot(), "pkg", "overlay")
		case "driver.check":
			dir = filepath.Join(repoRoot(), "pkg", "driver")
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			t.Fatalf("%s: no Go files in %s", s.Name, dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if banned.MatchString(line) {
					t.Errorf("%s:%d: %s", f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}
