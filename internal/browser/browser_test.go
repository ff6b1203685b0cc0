package browser

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWatch checks that what the charts tests rely on to find a broken
// page is seen: console errors, exceptions, refused and failed requests —
// and that a clean page reports nothing.
func TestWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	exe, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/clean", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html><link rel="icon" href="data:,"><p>fine</p><script>console.log("hello")</script>`)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html><link rel="icon" href="data:,"><img src="/missing.png">
<script>console.error("boom"); fetch("http://127.0.0.1:1/refused").catch(() => {}); setTimeout(() => { null.x }, 0)</script>`)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bctx, stop, err := Start(ctx, Options{Exec: exe, UserDataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	p, err := Watch(bctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(ts.URL+"/clean"), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if list := p.List(); len(list) != 0 {
		t.Errorf("clean page: %q", list)
	}
	if n, bytes := p.Totals(); n < 1 || bytes <= 0 {
		t.Errorf("clean page: %d requests, %g bytes", n, bytes)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(ts.URL+"/broken")); err != nil {
		t.Fatal(err)
	}
	if err := WaitTrue(bctx, `document.readyState === "complete"`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{"console.error: boom", "HTTP 404: " + ts.URL + "/missing.png", "request failed: http://127.0.0.1:1/refused", "exception: "}
	deadline := time.Now().Add(10 * time.Second)
	for {
		all := strings.Join(p.List(), "\n")
		missing := ""
		for _, w := range want {
			if !strings.Contains(all, w) {
				missing = w
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broken page: %q not among\n%s", missing, all)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
