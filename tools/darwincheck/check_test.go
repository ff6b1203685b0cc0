package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeModule makes a throwaway module from name → content.
func writeModule(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.25\n"
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mentions(errs []string, file string) bool {
	for _, e := range errs {
		if strings.Contains(e, file) {
			return true
		}
	}
	return false
}

func TestCheckMissesBrokenDarwinFile(t *testing.T) {
	dir := writeModule(t, map[string]string{
		"p/p.go": "package p\n\nfunc F() int { return g() }\n",
		// Only the darwin file set is checked: a Linux-only mistake is not
		// seen, a darwin one is, and one for a single architecture only there.
		"p/g_linux.go":        "package p\n\nfunc g() int { return \"linux\" }\n",
		"p/g_darwin.go":       "package p\n\nfunc g() int { return h() }\n",
		"p/h_darwin_arm64.go": "package p\n\nfunc h() int { return 1 }\n",
		"p/h_darwin_amd64.go": "package p\n\nfunc h() int { var s string = 2; return len(s) }\n",
		// cgo files type-check with a fake C package.
		"p/c_darwin.go": "package p\n\n// int answer(void) { return 42; }\nimport \"C\"\n\nfunc answer() int { return int(C.answer()) }\n",
		// Test files are checked too.
		"p/p_darwin_test.go": "package p\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { var _ bool = F() }\n",
	})
	arm, err := Check(dir, "arm64")
	if err != nil {
		t.Fatal(err)
	}
	amd, err := Check(dir, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	for arch, r := range map[string]*Result{"arm64": arm, "amd64": amd} {
		if mentions(r.Errors, "g_linux.go") {
			t.Errorf("%s: Linux file checked: %q", arch, r.Errors)
		}
		if mentions(r.Errors, "c_darwin.go") {
			t.Errorf("%s: cgo file not faked: %q", arch, r.Errors)
		}
		if !mentions(r.Errors, "p_darwin_test.go") {
			t.Errorf("%s: broken test file not caught: %q", arch, r.Errors)
		}
		if r.Own == 0 {
			t.Errorf("%s: no package of the module checked", arch)
		}
	}
	if mentions(arm.Errors, "h_darwin_amd64.go") || !mentions(amd.Errors, "h_darwin_amd64.go") {
		t.Errorf("amd64-only error: arm64 %q, amd64 %q", arm.Errors, amd.Errors)
	}
}

func TestCheckMissesMissingDarwinDeclaration(t *testing.T) {
	// g exists only for Linux: the package does not build on a Mac.
	dir := writeModule(t, map[string]string{
		"p.go":       "package p\n\nfunc F() int { return g() }\n",
		"g_linux.go": "package p\n\nfunc g() int { return 1 }\n",
	})
	r, err := Check(dir, "arm64")
	if err != nil {
		t.Fatal(err)
	}
	if !mentions(r.Errors, "undefined: g") {
		t.Errorf("missing darwin implementation not caught: %q", r.Errors)
	}
}

// TestRealTreeFailsDarwinCheck runs the check over this module, as
// scripts/test.sh does.
func TestRealTreeFailsDarwinCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("checks the whole module twice; skipped with -short")
	}
	for _, arch := range []string{"arm64", "amd64"} {
		r, err := Check("../..", arch)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) > 0 {
			t.Errorf("darwin/%s:\n%s", arch, strings.Join(r.Errors, "\n"))
		}
		if r.Own < 5 {
			t.Errorf("darwin/%s: only %d packages of the module checked", arch, r.Own)
		}
	}
}
