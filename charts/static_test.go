package charts

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/rogue-metrics/rogue/assets"
)

// TestStaticGzipIsTheBody: the gzip form, made at the first request that
// takes it, is the asset itself, for that request and the next.
func TestStaticGzipIsTheBody(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		req := httptest.NewRequest("GET", "/static/uplot.js", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		w := httptest.NewRecorder()
		s.serveFile(w, req, "uplot.js")
		if w.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q", w.Header().Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, assets.UPlotJS) {
			t.Fatalf("gunzipped body: %d bytes (err %v), want the %d of uplot.js", len(got), err, len(assets.UPlotJS))
		}
	}
}

// BenchmarkNew is the charts server's share of the app's start, which
// comes before the menu appears (goal of the whole start: 150 ms).
func BenchmarkNew(b *testing.B) {
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{Dir: dir, Secret: testSecret}); err != nil {
			b.Fatal(err)
		}
	}
}
