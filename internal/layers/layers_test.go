package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const (
	module  = "github.com/aihat/aihat"
	docPath = "docs/ARCHITECTURE.md"
)

// allowed are imports that break a package rule today and are kept on
// purpose, each one file importing one package; an entry that no longer
// matches an import fails the test, so the list only shrinks.
var allowed = []edge{
	// Empty since pkg/session owns the run (issue 24): the CLI no longer
	// opens the board or the journal. Keep it so.
}

// The module's imports keep the rules of docs/ARCHITECTURE.md: every
// package is in exactly one layer, a layer imports only the layers it may,
// no package imports what a package rule forbids it (but for the
// allowlist), and every allowlisted import still exists.
func TestImportsKeepTheLayerRules(t *testing.T) {
	root := moduleRoot(t)
	rules := readRules(t, filepath.Join(root, docPath))
	pkgs := listPackages(t, root)
	for _, p := range check(rules, pkgs, allowed) {
		t.Error(p)
	}
}

// The checker itself: a stage importing another stage, a stage importing
// the simulated board, the record importing the board seam, and an
// allowlisted import that is gone are each one problem naming the rule.
func TestCheckNamesTheImportAndTheRule(t *testing.T) {
	rules := parseRules(t, strings.NewReader(`
### Layers

| Layer | Packages | May import | Why |
|---|---|---|---|
| stages | `+"`pkg/overlay`, `pkg/eeprom`"+` | seams | stages are peers |
| seams | `+"`pkg/report`, `pkg/board`"+` | seams | seams know no stage |
| targets | `+"`pkg/sim`"+` | seams | |

### Package rules

| Package | May not import | Why |
|---|---|---|
| `+"`pkg/report/...`"+` | `+"`pkg/board`"+` | the record knows no board |
`))
	pkgs := []pkg{
		{Path: "pkg/overlay", Files: map[string][]string{"overlay.go": {"pkg/eeprom", "pkg/report"}, "sim.go": {"pkg/sim"}}},
		{Path: "pkg/eeprom"},
		{Path: "pkg/report", Files: map[string][]string{"record.go": {"pkg/board"}}},
		{Path: "pkg/board"},
		{Path: "pkg/sim", Files: map[string][]string{"sim.go": {"pkg/board"}}},
	}
	got := check(rules, pkgs, []edge{{From: "pkg/sim", File: "gone.go", To: "pkg/board"}})
	want := []string{
		"pkg/overlay imports pkg/eeprom (pkg/overlay/overlay.go): a package of layer stages may import only seams: stages are peers",
		"pkg/overlay imports pkg/sim (pkg/overlay/sim.go): a package of layer stages may import only seams: stages are peers",
		"pkg/report imports pkg/board (pkg/report/record.go): pkg/report/... may not import pkg/board: the record knows no board",
		"allowlisted pkg/sim/gone.go -> pkg/board is no longer imported: delete it from the allowlist in internal/layers (the list only shrinks)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// rules are docs/ARCHITECTURE.md's two tables.
type rules struct {
	layerOf  map[string]string          // package → layer
	mayLoad  map[string]map[string]bool // layer → layers it may import ("any": all)
	mayList  map[string]string          // layer → its May import cell
	why      map[string]string          // layer → why
	packages []pkgRule
}

// pkgRule says that packages matching From may not import those matching
// any of NotTo ("pkg/x/..." matches pkg/x and below).
type pkgRule struct {
	From  string
	NotTo []string
	Why   string
}

// pkg is one package of the module: its path under the module and, per
// non-test Go file, the module's packages that file imports.
type pkg struct {
	Path  string
	Files map[string][]string
}

// edge is one file's import of one package.
type edge struct{ From, File, To string }

func check(r rules, pkgs []pkg, allow []edge) []string {
	var problems []string
	listed := map[string]bool{}
	for _, p := range pkgs {
		listed[p.Path] = true
		if _, ok := r.layerOf[p.Path]; !ok {
			problems = append(problems, fmt.Sprintf("%s is in no layer: add it to the Layers table of %s", p.Path, docPath))
		}
	}
	var named []string
	for p := range r.layerOf {
		if !listed[p] {
			named = append(named, p)
		}
	}
	sort.Strings(named)
	for _, p := range named {
		problems = append(problems, fmt.Sprintf("%s names %s, which is no package of the module", docPath, p))
	}
	used := map[edge]bool{}
	for _, p := range pkgs {
		from := r.layerOf[p.Path]
		files := make([]string, 0, len(p.Files))
		for f := range p.Files {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			for _, to := range p.Files[f] {
				at := fmt.Sprintf("%s imports %s (%s/%s)", p.Path, to, p.Path, f)
				if toLayer, known := r.layerOf[to]; known && from != "" && !r.mayLoad[from]["any"] && !r.mayLoad[from][toLayer] {
					problems = append(problems, fmt.Sprintf("%s: a package of layer %s may import only %s: %s", at, from, r.mayList[from], r.why[from]))
				}
				for _, pr := range r.packages {
					if !matches(pr.From, p.Path) || !slices.ContainsFunc(pr.NotTo, func(n string) bool { return matches(n, to) }) {
						continue
					}
					if e := (edge{p.Path, f, to}); slices.Contains(allow, e) {
						used[e] = true
						continue
					}
					problems = append(problems, fmt.Sprintf("%s: %s may not import %s: %s", at, pr.From, strings.Join(pr.NotTo, ", "), pr.Why))
				}
			}
		}
	}
	for _, e := range allow {
		if !used[e] {
			problems = append(problems, fmt.Sprintf("allowlisted %s/%s -> %s is no longer imported: delete it from the allowlist in internal/layers (the list only shrinks)", e.From, e.File, e.To))
		}
	}
	return problems
}

// matches says whether pattern (a package, or "dir/..." for it and all
// below) matches path.
func matches(pattern, path string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == dir || strings.HasPrefix(path, dir+"/")
	}
	return pattern == path
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}

func readRules(t *testing.T, path string) rules {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return parseRules(t, f)
}

var code = regexp.MustCompile("`([^`]+)`")

// parseRules reads the first table under "### Layers" (Layer | Packages |
// May import | Why) and the first under "### Package rules" (Package |
// May not import | Why).
func parseRules(t *testing.T, r io.Reader) rules {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	out := rules{layerOf: map[string]string{}, mayLoad: map[string]map[string]bool{}, mayList: map[string]string{}, why: map[string]string{}}
	for _, row := range table(t, b, "### Layers", 4) {
		layer := strings.TrimSpace(row[0])
		if _, dup := out.mayLoad[layer]; dup {
			t.Fatalf("%s: layer %s twice", docPath, layer)
		}
		out.mayLoad[layer] = map[string]bool{}
		out.why[layer] = strings.TrimSpace(row[3])
		out.mayList[layer] = strings.TrimSpace(row[2])
		for _, m := range code.FindAllStringSubmatch(row[1], -1) {
			if l, dup := out.layerOf[m[1]]; dup {
				t.Fatalf("%s: %s is in layers %s and %s", docPath, m[1], l, layer)
			}
			out.layerOf[m[1]] = layer
		}
		for _, l := range strings.Split(row[2], ",") {
			if l = strings.TrimSpace(l); l != "" && l != "—" {
				out.mayLoad[layer][l] = true
			}
		}
	}
	for layer, may := range out.mayLoad {
		for l := range may {
			if _, ok := out.mayLoad[l]; !ok && l != "any" {
				t.Fatalf("%s: layer %s may import %q, which is no layer", docPath, layer, l)
			}
		}
	}
	for _, row := range table(t, b, "### Package rules", 3) {
		from := code.FindStringSubmatch(row[0])
		if from == nil {
			t.Fatalf("%s: package rule %q names no package", docPath, row[0])
		}
		pr := pkgRule{From: from[1], Why: strings.TrimSpace(row[2])}
		for _, m := range code.FindAllStringSubmatch(row[1], -1) {
			pr.NotTo = append(pr.NotTo, m[1])
		}
		out.packages = append(out.packages, pr)
	}
	return out
}

// table returns the body rows of the first Markdown table after heading,
// each with cols cells.
func table(t *testing.T, doc []byte, heading string, cols int) [][]string {
	t.Helper()
	i := bytes.Index(doc, []byte("\n"+heading+"\n"))
	if i < 0 {
		t.Fatalf("%s: no %q section", docPath, heading)
	}
	var rows [][]string
	inTable := false
	for _, line := range strings.Split(string(doc[i+len(heading)+2:]), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != cols {
			t.Fatalf("%s: %s: row %q has %d cells, want %d", docPath, heading, line, len(cells), cols)
		}
		if !inTable || strings.Trim(cells[0], " -:") == "" {
			inTable = true // the header row, then the separator
			continue
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: the %s table is empty", docPath, heading)
	}
	return rows
}

// listPackages lists the module's packages with go list (no network: the
// module cache or vendor directory is all it reads) and the module
// imports of each non-test Go file.
func listPackages(t *testing.T, root string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Dir,GoFiles,CgoFiles,IgnoredGoFiles,Error", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	// go test caches a result by the files and directories the test
	// itself opens; go list reads in another process. Reading every source
	// directory here makes a new file or package run the test again.
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n := d.Name(); d.IsDir() && path != root && (n == "testdata" || n[0] == '.' || n[0] == '_') {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	fset := token.NewFileSet()
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var lp struct {
			ImportPath, Dir                   string
			GoFiles, CgoFiles, IgnoredGoFiles []string
			Error                             *struct{ Err string }
		}
		if err := dec.Decode(&lp); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if lp.Error != nil {
			t.Fatalf("go list %s: %s", lp.ImportPath, lp.Error.Err)
		}
		p := pkg{Path: strings.TrimPrefix(lp.ImportPath, module+"/"), Files: map[string][]string{}}
		// Files of other platforms and build tags (hwtest) count too.
		for _, name := range slices.Concat(lp.GoFiles, lp.CgoFiles, lp.IgnoredGoFiles) {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(lp.Dir, name), nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range f.Imports {
				if q, ok := strings.CutPrefix(strings.Trim(im.Path.Value, `"`), module+"/"); ok {
					p.Files[name] = append(p.Files[name], q)
				}
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}
