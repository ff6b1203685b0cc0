// Command darwincheck type-checks every package of the module, tests
// included, as they build for macOS (GOOS=darwin, cgo on) on arm64 and
// amd64, without a C toolchain or a macOS SDK. It fails when any package of
// the module has an error; errors in dependencies that come only from cgo
// (whose C side is faked) are counted and tolerated.
//
// Usage: go run ./tools/darwincheck [-arch arm64,amd64] [-v] [dir]
//
// The file sets come from `go list -deps -test -json` with the darwin
// environment; each package is then type-checked with go/types, in
// dependency order, with `import "C"` faked (types.Config.FakeImportC).
// Dependencies are checked without function bodies, which keeps a run to
// seconds.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	arches := flag.String("arch", "arm64,amd64", "comma-separated GOARCH values to check")
	verbose := flag.Bool("v", false, "also list tolerated errors in dependencies")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: darwincheck [-arch list] [-v] [module dir]")
		flag.PrintDefaults()
	}
	flag.Parse()
	dir := "."
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	if flag.NArg() == 1 {
		dir = flag.Arg(0)
	}
	failed := false
	for _, arch := range strings.Split(*arches, ",") {
		r, err := Check(dir, arch)
		if err != nil {
			fmt.Fprintf(os.Stderr, "darwincheck: darwin/%s: %v\n", arch, err)
			os.Exit(1)
		}
		for _, e := range r.Errors {
			fmt.Fprintf(os.Stderr, "darwin/%s: %s\n", arch, e)
		}
		if *verbose {
			for _, e := range r.Tolerated {
				fmt.Fprintf(os.Stderr, "darwin/%s: tolerated: %s\n", arch, e)
			}
		}
		fmt.Printf("darwin/%s: %d packages of the module, %d dependencies checked; %d errors, %d tolerated in dependencies\n",
			arch, r.Own, r.Deps, len(r.Errors), len(r.Tolerated))
		if len(r.Errors) > 0 {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
