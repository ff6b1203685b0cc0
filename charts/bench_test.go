package charts

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/rogue-metrics/rogue/internal/browser"
)

// BenchmarkData14Days is the server's side of opening the page on two
// weeks: one data request per chart at 1100 px, gzipped. The goal for the
// whole page is 300 KB; see BenchmarkPageLoad14Days.
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
		bytes = 0
		for _, g := range s.groups {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/data?group=%s&from=%d&to=%d&px=1100", ts.URL, g.ID, end.Unix()-14*86400, end.Unix()), nil)
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
			bytes += resp.ContentLength
		}
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
	if _, err := chromedp.Call(bctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		b.Fatal(err)
	}
	var ms, cpu, bytes, requests float64
	for b.Loop() {
		if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
			b.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // let the old page's processes settle
		problems.Reset()
		cpu0, self0 := browser.CPUTime(bctx), processCPU()
		if err := chromedp.Do(bctx, chromedp.Navigate(base+"#14d"),
			chromedp.Poll[chromedp.Void](`window.rogueCharts && window.rogueCharts.drawnAt > 0`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			b.Fatal(err)
		}
		t, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`Math.max(window.rogueCharts.drawnAt, window.rogueCharts.lastDrawAt)`))
		if err != nil {
			b.Fatal(err)
		}
		if os.Getenv("CHARTS_BENCH_TIMINGS") != "" {
			tm, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`JSON.stringify({nav: performance.getEntriesByType("navigation").map(e => [e.responseEnd|0, e.domInteractive|0, e.domContentLoadedEventEnd|0]), res: performance.getEntriesByType("resource").map(e => [e.name.replace(location.origin, "").slice(0, 40), e.startTime|0, e.responseEnd|0])})`))
			b.Logf("drawn at %.0f ms: %s", t, tm)
		}
		cpu += float64(browser.CPUTime(bctx)-cpu0+processCPU()-self0) / float64(time.Millisecond)
		if os.Getenv("CHARTS_BENCH_TIMINGS") != "" {
			b.Logf("cpu: browser %v, this process %v", browser.CPUTime(bctx)-cpu0, processCPU()-self0)
		}
		time.Sleep(100 * time.Millisecond) // the last LoadingFinished events
		n, by := problems.Totals()
		ms += t
		bytes += by
		requests += float64(n)
	}
	if list := problems.List(); len(list) > 0 {
		b.Fatalf("the page had problems: %v", list)
	}
	b.ReportMetric(ms/float64(b.N), "ms-to-drawn")
	// CPU time of Chromium (all its processes) and of this process (the
	// server) for one load: on a machine busy with other work, where the
	// wall time above mostly waits for a CPU, an estimate of the wall time
	// on an idle one (an upper one: some of it runs in parallel).
	if cpu >= 0 {
		b.ReportMetric(cpu/float64(b.N), "cpu-ms")
	}
	b.ReportMetric(bytes/float64(b.N), "bytes-received")
	b.ReportMetric(requests/float64(b.N), "requests")
}

// processCPU is the CPU time this process has used (the server's side).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
