package assets

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUPlotMatchesSums checks the committed uPlot files (and the embedded
// copies) against uplot/SHA256SUMS, which scripts/fetch-uplot.sh checks
// against the npm release: a hand edit of the library fails here.
func TestUPlotMatchesSums(t *testing.T) {
	f, err := os.Open(filepath.Join("uplot", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	embedded := map[string][]byte{"uPlot.iife.min.js": UPlotJS, "uPlot.min.css": UPlotCSS}
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad SHA256SUMS line %q", sc.Text())
		}
		b, err := os.ReadFile(filepath.Join("uplot", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Errorf("uplot/%s: sha256 %x, SHA256SUMS says %s", name, got, sum)
		}
		if e, ok := embedded[name]; ok {
			seen++
			if string(e) != string(b) {
				t.Errorf("embedded %s differs from uplot/%s", name, name)
			}
		}
	}
	if seen != len(embedded) {
		t.Errorf("SHA256SUMS lists %d of the %d embedded files", seen, len(embedded))
	}
	if v := strings.TrimSpace(UPlotVersion); v == "" || strings.ContainsAny(v, " /") {
		t.Errorf("uplot/VERSION = %q", UPlotVersion)
	}
}
