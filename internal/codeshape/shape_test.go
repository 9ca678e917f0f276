package codeshape

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The limits of issue 24: a function longer than this, or more complex,
// does more than one thing.
const (
	maxLines      = 80
	maxComplexity = 25
)

// allowed lists functions exempt from the limits, by "file:func"; the
// test fails once an entry no longer exceeds them, so the list can only
// shrink. It held internal/cli's offenders until that package was split
// (issue 24). Do not add to it: split the function instead.
var allowed = map[string]bool{
	// Empty since internal/cli's commands were split (issue 24). Keep it so.
}

// shape is one function's size.
type shape struct {
	file, name       string
	line             int
	lines, complexty int
}

func (s shape) key() string { return s.file + ":" + s.name }

func (s shape) over() bool { return s.lines > maxLines || s.complexty > maxComplexity }

func (s shape) String() string {
	return fmt.Sprintf("%s:%d %s (%d lines, complexity %d)", s.file, s.line, s.name, s.lines, s.complexty)
}

func TestFunctionShape(t *testing.T) {
	shapes := moduleShapes(t, moduleRoot(t))
	seen := map[string]bool{}
	for _, s := range shapes {
		if !s.over() {
			continue
		}
		if allowed[s.key()] {
			seen[s.key()] = true
			continue
		}
		t.Errorf("%s: over the limits (%d lines, complexity %d); split it", s, maxLines, maxComplexity)
	}
	for _, k := range sortedKeys(allowed) {
		if !seen[k] {
			t.Errorf("%s is allowlisted but no longer exceeds the limits: remove it from allowed", k)
		}
	}
}

// TestComplexityCounts pins the counting rules to gocyclo's:
// 1 + if, for, range, non-default case and comm clauses, && and ||.
func TestComplexityCounts(t *testing.T) {
	src := `package p
func f(a, b bool, c chan int, n int) {
	if a && b || a { }
	for i := 0; i < n; i++ { }
	for range c { }
	switch n { case 1, 2: ; case 3: ; default: }
	select { case <-c: ; default: }
	_ = func() { if a { } }
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 1 + if + && + || + for + range + 2 cases + 1 comm + nested if = 10
	if got := complexity(f.Decls[0]); got != 10 {
		t.Fatalf("complexity = %d, want 10", got)
	}
}

// moduleRoot walks up from the test's directory to the go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// moduleShapes measures every function of the module's non-test,
// non-generated files, skipping testdata, hidden directories and nested
// modules, which `go build ./...` skips too.
func moduleShapes(t *testing.T, root string) []shape {
	t.Helper()
	var shapes []shape
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return skipDir(root, path, d.Name())
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fileShapes, err := measureFile(root, path)
		shapes = append(shapes, fileShapes...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shapes) == 0 {
		t.Fatal("measured no functions: is the walk rooted right?")
	}
	return shapes
}

func skipDir(root, path, name string) error {
	if path == root {
		return nil
	}
	if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return filepath.SkipDir
	}
	if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
		return filepath.SkipDir
	}
	return nil
}

// measureFile returns the shape of each function declaration and of each
// package-level function literal (gocyclo measures both).
func measureFile(root, path string) ([]shape, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	if ast.IsGenerated(f) {
		return nil, nil
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return nil, err
	}
	rel = filepath.ToSlash(rel)
	var shapes []shape
	add := func(n ast.Node, name string) {
		start, end := fset.Position(n.Pos()), fset.Position(n.End())
		shapes = append(shapes, shape{
			file: rel, name: name, line: start.Line,
			lines: end.Line - start.Line + 1, complexty: complexity(n),
		})
	}
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			add(decl, funcName(decl))
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				vs, ok := spec.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, v := range vs.Values {
					if lit, ok := v.(*ast.FuncLit); ok && i < len(vs.Names) {
						add(lit, vs.Names[i].Name)
					}
				}
			}
		}
	}
	return shapes, nil
}

// funcName spells a method "(*T).Name" or "(T).Name", as gocyclo does.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	return "(" + recvType(fn.Recv.List[0].Type) + ")." + fn.Name.Name
}

func recvType(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.StarExpr:
		return "*" + recvType(x.X)
	case *ast.IndexExpr:
		return recvType(x.X)
	case *ast.IndexListExpr:
		return recvType(x.X)
	case *ast.Ident:
		return x.Name
	}
	return "?"
}

// complexity counts as gocyclo v0.6.0 does, nested function literals
// included.
func complexity(n ast.Node) int {
	c := 1
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt:
			c++
		case *ast.CaseClause:
			if n.List != nil {
				c++
			}
		case *ast.CommClause:
			if n.Comm != nil {
				c++
			}
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				c++
			}
		}
		return true
	})
	return c
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
