package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// listed is the part of `go list -json` output the check uses.
type listed struct {
	ImportPath string
	Dir        string
	Name       string
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	ImportMap  map[string]string
	Imports    []string
	Module     *struct {
		Path      string
		Main      bool
		GoVersion string
	}
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// own reports whether p belongs to the module being checked.
func (p *listed) own() bool { return p.Module != nil && p.Module.Main }

// Result is the outcome of checking one architecture.
type Result struct {
	Own, Deps int      // packages type-checked
	Errors    []string // in the module's packages: the check fails
	Tolerated []string // in dependencies (fake cgo): reported only
}

// Check lists the packages of the module in dir (tests included) for
// darwin/goarch with cgo, and type-checks them.
func Check(dir, goarch string) (*Result, error) {
	pkgs, err := list(dir, goarch)
	if err != nil {
		return nil, err
	}
	c := &checker{
		fset:  token.NewFileSet(),
		done:  map[string]*types.Package{},
		sizes: types.SizesFor("gc", goarch),
		res:   &Result{},
		seen:  map[string]bool{},
	}
	if c.sizes == nil {
		return nil, fmt.Errorf("unknown GOARCH %q", goarch)
	}
	for _, p := range pkgs {
		c.check(p)
	}
	return c.res, nil
}

// list runs go list in the darwin environment. Packages come out in
// dependency order: every package after the ones it imports.
func list(dir, goarch string) ([]*listed, error) {
	cmd := exec.Command("go", "list", "-e", "-deps", "-test", "-json=ImportPath,Dir,Name,Standard,GoFiles,CgoFiles,ImportMap,Imports,Module,Error,DepsErrors", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH="+goarch, "CGO_ENABLED=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var pkgs []*listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(listed)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

type checker struct {
	fset  *token.FileSet
	done  map[string]*types.Package
	sizes types.Sizes
	res   *Result
	seen  map[string]bool // errors reported already
}

// add appends the errors not seen before: a package and its test variant
// share files and would report the same error twice.
func (c *checker) add(list, errs []string) []string {
	for _, e := range errs {
		if !c.seen[e] {
			c.seen[e] = true
			list = append(list, e)
		}
	}
	return list
}

// generated reports whether a package is one `go test` synthesises (the
// test main), which has no files of the module to check.
func generated(p *listed) bool {
	return strings.HasSuffix(p.ImportPath, ".test")
}

func (c *checker) check(p *listed) {
	if p.ImportPath == "unsafe" {
		c.done["unsafe"] = types.Unsafe
		return
	}
	if generated(p) {
		return
	}
	var errs []string
	report := func(msg string) { errs = append(errs, msg) }
	defer func() {
		if p.own() {
			c.res.Own++
			c.res.Errors = c.add(c.res.Errors, errs)
		} else {
			c.res.Deps++
			c.res.Tolerated = c.add(c.res.Tolerated, errs)
		}
	}()
	if p.Error != nil {
		report(fmt.Sprintf("%s: %s", p.ImportPath, p.Error.Err))
	}
	if p.own() {
		for _, e := range p.DepsErrors {
			report(fmt.Sprintf("%s: dependency: %s", p.ImportPath, e.Err))
		}
	}
	var files []*ast.File
	for _, name := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, name)
		}
		f, err := parser.ParseFile(c.fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			report(err.Error())
			if f == nil {
				continue
			}
		}
		files = append(files, f)
	}
	conf := types.Config{
		Importer:         importerFunc(func(path string) (*types.Package, error) { return c.resolve(p, path) }),
		FakeImportC:      len(p.CgoFiles) > 0,
		Sizes:            c.sizes,
		IgnoreFuncBodies: !p.own(),
		Error:            func(err error) { report(err.Error()) },
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		conf.GoVersion = "go" + p.Module.GoVersion
	}
	pkg, _ := conf.Check(p.ImportPath, c.fset, files, nil)
	c.done[p.ImportPath] = pkg
}

// resolve finds an import of p among the packages checked so far, through
// p's ImportMap (vendored standard library paths, test variants).
func (c *checker) resolve(p *listed, path string) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if m, ok := p.ImportMap[path]; ok {
		path = m
	}
	if pkg, ok := c.done[path]; ok && pkg != nil {
		return pkg, nil
	}
	return nil, fmt.Errorf("package %s not checked (not listed, or failed earlier)", path)
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
