package charts

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"github.com/rogue-metrics/rogue/internal/browser"
)

// BenchmarkData14Days is the server's side of opening the page on two
// weeks: the one data request of every chart (/api/charts) at 526 px, the
// plot width of a 1400 px window, gzipped. The goal for the whole page is
// 300 KB; see BenchmarkPageLoad14Days.
func BenchmarkData14Days(b *testing.B) {
	dir, end, _ := plantedDir(b)
	s, err := New(Config{Dir: dir, Secret: testSecret, Threshold: 0.5})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	port := ts.URL[len("http://127.0.0.1:"):]
	var bytes int64
	cpu0 := processCPU()
	for b.Loop() {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/charts?from=%d&to=%d&px=526", ts.URL, end.Unix()-14*86400, end.Unix()), nil)
		req.Header.Set("Cookie", cookiePrefix+port+"="+s.session)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := ts.Client().Transport.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		bytes = resp.ContentLength
	}
	b.ReportMetric(float64(bytes), "gzip-bytes/page")
	// CPU time of client and server together (both in this process).
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms")
}

// BenchmarkPageLoad14Days measures, in headless Chromium, the time from
// navigation to the last chart drawn when the page opens on two weeks of
// all 13 metrics (with their anomaly scores), and the bytes the browser
// received for it (page, scripts, styles and data, as sent). Goals: 300 ms
// and 300 KB. Chromium's cache is off, so every load is a first load.
//
// Before each load of the page it loads a blank page from a server with
// the same headers (ms-blank, cpu-ms-blank): Chromium's fixed cost of the
// navigation, which the page's Cross-Origin-Opener-Policy makes one to a
// new renderer process. CHARTS_BENCH_TIMINGS=1 logs each load's
// navigation and resource timings, the page's marks of its steps and
// Chromium's counters.
//
//	go test -run '^$' -bench PageLoad ./charts
func BenchmarkPageLoad14Days(b *testing.B) {
	exe, err := browser.Find()
	if err != nil {
		b.Skip(err)
	}
	dir, _, _ := plantedDir(b)
	s, err := New(Config{Dir: dir, Secret: testSecret, Threshold: 0.5})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	base := ts.URL + "/"
	blankServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The charts page's headers: its Cross-Origin-Opener-Policy alone
		// puts a page navigated to from about:blank in a new renderer.
		s.setSecurityHeaders(w.Header())
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy([]byte(blankScript)))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, blankPage)
	}))
	defer blankServer.Close()
	blankURL := blankServer.URL + "/blank"
	profile, err := browser.TempProfile("")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, browser.Options{Exec: exe, UserDataDir: profile, Width: 1400, Height: 1000})
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	problems, err := browser.Watch(bctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(OpenURL(base, testSecret))); err != nil {
		b.Fatal(err)
	}
	if err := browser.WaitTrue(bctx, `location.href.startsWith("`+base+`") && !location.search && document.readyState === "complete"`, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	if os.Getenv("CHARTS_BENCH_TIMINGS") != "" {
		// Chromium's counters of its own work (ScriptDuration and so on).
		if _, err := chromedp.Call(bctx, performance.Enable, performance.EnableParams{}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := chromedp.Call(bctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		b.Fatal(err)
	}
	var charts, blank loadStats
	for b.Loop() {
		// The reference: a trivial page from a loopback server, loaded the
		// same way. What it costs is Chromium's (a navigation, a renderer,
		// a first document), not the page's.
		blank.add(b, pageLoad(b, bctx, problems, blankURL))
		charts.add(b, pageLoad(b, bctx, problems, base+"#14d"))
		// drawnAt is honest: every chart had drawn data by then.
		ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](drawnHonestly))
		if err != nil || !ok {
			b.Fatalf("drawnAt before every chart drew its data (%v): %s", err, evalJSON(bctx, `window.rogueCharts.firstDrawnAt`))
		}
	}
	if list := problems.List(); len(list) > 0 {
		b.Fatalf("the page had problems: %v", list)
	}
	n := float64(b.N)
	b.ReportMetric(charts.ms/n, "ms-to-drawn")
	b.ReportMetric(blank.ms/n, "ms-blank")
	// CPU time of Chromium (all its processes) and of this process (the
	// server) for one load: on a machine busy with other work, where the
	// wall time above mostly waits for a CPU, an estimate of the wall time
	// on an idle one (an upper one: some of it runs in parallel).
	if charts.cpu >= 0 {
		b.ReportMetric(charts.cpu/n, "cpu-ms")
		b.ReportMetric(blank.cpu/n, "cpu-ms-blank")
	}
	b.ReportMetric(charts.bytes/n, "bytes-received")
	b.ReportMetric(charts.requests/n, "requests")
}

// drawnHonestly is true when every chart of the page first drew data no
// later than window.rogueCharts.drawnAt.
const drawnHonestly = `(() => {
  const r = window.rogueCharts, ids = [...document.querySelectorAll(".chart")].map((el) => el.dataset.group);
  return ids.length === 6 && r.drawnAt > 0 && ids.every((id) => r.firstDrawnAt[id] > 0 && r.firstDrawnAt[id] <= r.drawnAt);
})()`

// evalJSON returns expr's value in JSON, or the error.
func evalJSON(ctx context.Context, expr string) string {
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(`+expr+`)`))
	if err != nil {
		return err.Error()
	}
	return s
}

// loadStats sums what page loads took.
type loadStats struct{ ms, cpu, bytes, requests float64 }

func (s *loadStats) add(b *testing.B, l loadStats) {
	s.ms += l.ms
	s.cpu += l.cpu
	s.bytes += l.bytes
	s.requests += l.requests
}

// pageLoad navigates from about:blank to url and waits for the page's
// window.rogueCharts.drawnAt mark: the time from the navigation's start
// to the last chart drawn (or, on the blank page, to its script run).
func pageLoad(b *testing.B, bctx context.Context, problems *browser.Problems, url string) loadStats {
	b.Helper()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		b.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the old page's processes settle
	problems.Reset()
	cpu0, self0 := browser.CPUTime(bctx), processCPU()
	if err := chromedp.Do(bctx, chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`window.rogueCharts && window.rogueCharts.drawnAt > 0`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		b.Fatal(err)
	}
	t, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`Math.max(window.rogueCharts.drawnAt, window.rogueCharts.lastDrawAt || 0)`))
	if err != nil {
		b.Fatal(err)
	}
	cpu := float64(browser.CPUTime(bctx)-cpu0+processCPU()-self0) / float64(time.Millisecond)
	if os.Getenv("CHARTS_BENCH_TIMINGS") != "" {
		tm, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`JSON.stringify({nav: performance.getEntriesByType("navigation").map(e => [e.responseEnd|0, e.domInteractive|0, e.domContentLoadedEventEnd|0]), res: performance.getEntriesByType("resource").map(e => [e.name.replace(location.origin, "").slice(0, 40), e.startTime|0, e.responseEnd|0]), marks: performance.getEntriesByType("mark").map(e => [e.name, e.startTime|0])})`))
		b.Logf("%s: drawn at %.0f ms, cpu %.0f ms (this process %v): %s", url[strings.LastIndexByte(url, '/'):], t, cpu, processCPU()-self0, tm)
		if m, err := chromedp.Call(bctx, performance.GetMetrics, cdp.Empty{}); err == nil {
			var parts []string
			for _, x := range m.Metrics {
				if strings.HasSuffix(x.Name, "Duration") || strings.HasSuffix(x.Name, "Count") {
					parts = append(parts, fmt.Sprintf("%s=%.4g", x.Name, x.Value))
				}
			}
			b.Logf("  metrics: %s", strings.Join(parts, " "))
		}
	}
	time.Sleep(100 * time.Millisecond) // the last LoadingFinished events
	n, by := problems.Totals()
	return loadStats{ms: t, cpu: cpu, bytes: by, requests: float64(n)}
}

// blankPage is the reference page of BenchmarkPageLoad14Days: a title, a
// line and a script that marks the time it ran.
const blankPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blank</title><link rel="icon" href="data:,"></head>
<body><p>blank</p><script>` + blankScript + `</script></body></html>
`

const blankScript = `window.rogueCharts = {drawnAt: performance.now()}`

// processCPU is the CPU time this process has used (the server's side).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
