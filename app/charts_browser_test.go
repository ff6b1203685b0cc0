//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rogue-metrics/rogue/charts"
	"github.com/rogue-metrics/rogue/internal/browser"
	"github.com/rogue-metrics/rogue/internal/history"
	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// chartPixels is what the page drew in each group's canvas.
type chartPixels struct {
	Ink    int // pixels drawn
	Red    int // pixels in the anomaly colour
	Marks  int // anomaly marks the page counted
	Points int // points of the last answer
	Px     int // plot width asked for
	Width  int // canvas width in device pixels
}

// inspectCharts reads every group's canvas back. Red pixels and marks count
// only left of the pixel of %d (Unix seconds), with a margin wider than a
// mark and than the span one drawn point folds: the running rogue's own
// detector scores the live samples after the planted history, and may well
// find them odd (the real machine is not the planted one).
const inspectCharts = `(() => {
  const out = {};
  for (const el of document.querySelectorAll(".chart")) {
    const c = el.querySelector("canvas");
    if (!c) { out[el.dataset.group] = {}; continue; }
    const g = el.dataset.group;
    // A mark is drawn at least 10 px wide (and its dot 8 px): 16 px to spare.
    const cut = Math.min(c.width, Math.floor(window.rogueCharts.xOf(g, %d)) - 16 * devicePixelRatio);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0, red = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) ink++;
      if ((i / 4) %% c.width < cut && d[i + 3] > 20 && d[i] > 150 && d[i + 1] < 90 && d[i + 2] < 90) red++;
    }
    const marks = (window.rogueCharts.markTimes[g] || []).filter((t) => window.rogueCharts.xOf(g, t) < cut).length;
    out[g] = {Ink: ink, Red: red, Marks: marks, Points: Number(el.dataset.points), Px: Number(el.dataset.px), Width: c.width};
  }
  return out;
})()`

type pageWindow struct {
	From, To, Range int64
	Live            bool
}

// TestChartsInBrowser runs rogue headless on two weeks of stored history
// with a planted CPU anomaly, opens its charts page as "rogue charts" does,
// in a real headless Chromium, and checks what the page draws and does.
func TestChartsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts rogue and Chromium: some 10 to 30 s")
	}
	chromium := testpeer.Need(t, "chromium")
	t0 := time.Now()
	// mark logs the time taken so far (for a slow run on a loaded machine).
	mark := func(what string) { t.Logf("%6.2fs %s", time.Since(t0).Seconds(), what) }
	env := newTestEnv(t, nil)
	prefix := filepath.Join(env.Data, "rogue", "db")
	end := time.Now()
	anomalyAt := end.Add(-50 * time.Hour).Truncate(time.Minute)
	if err := history.Plant(prefix, history.Options{
		End: end, Span: 14 * 24 * time.Hour, Scores: true, Seed: 7,
		Anomalies: []history.Anomaly{{Metric: "CPUPercent", At: anomalyAt, Duration: 30 * time.Minute, Score: 0.95}},
	}); err != nil {
		t.Fatal(err)
	}
	mark("planted")
	// xdg-open, as "rogue charts" calls it: records what it was asked to open.
	bin := t.TempDir()
	opened := filepath.Join(t.TempDir(), "opened")
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte("#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$OPENED\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	extra := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "OPENED=" + opened}

	// Interval 1 s: the page refreshes at the display cadence (every 2 s, its floor).
	rogue := startRogue(t, env, extra, "--headless", "--interval", "1")
	config := filepath.Join(env.Config, "rogue")
	addrFile := filepath.Join(config, chartsAddressFile)
	var base string
	testpeer.WaitFor(t, 20*time.Second, "the charts address", func() (bool, error) {
		b, err := charts.ReadAddress(addrFile)
		base = b
		return err == nil, nil
	})
	secret, err := os.ReadFile(filepath.Join(config, chartsSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(secret))
	for _, f := range []string{addrFile, filepath.Join(config, chartsSecretFile)} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, fi.Mode(), err)
		}
	}

	mark("rogue serves its charts")
	runRogue := func(args ...string) string {
		cmd := exec.Command(rogueBinary(t), args...)
		cmd.Env = append(env.Environ(), extra...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("rogue %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if got, want := strings.TrimSpace(runRogue("charts", "--url")), charts.OpenURL(base, key); got != want {
		t.Errorf("rogue charts --url printed %q, want %q", got, want)
	}
	// A desktop session, as far as rogue charts can tell: xdg-open is the
	// test's own.
	extra = append(extra, "DISPLAY=:rogue-test")
	runRogue("charts")
	extra = extra[:len(extra)-1]
	var opener string
	testpeer.WaitFor(t, 10*time.Second, "xdg-open called by rogue charts", func() (bool, error) {
		b, err := os.ReadFile(opened)
		opener = strings.TrimSpace(string(b))
		return err == nil && strings.HasSuffix(opener, ".html"), nil
	})
	if strings.Contains(opener, key) {
		t.Errorf("the secret is on xdg-open's command line: %q", opener)
	}
	if fi, err := os.Stat(opener); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("opened %q: %v, want a 0600 file", opener, err)
	}

	mark("rogue charts opened the opener")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, browser.Options{Exec: chromium, UserDataDir: t.TempDir(), Width: 1400, Height: 1200})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	problems, err := browser.Watch(bctx)
	if err != nil {
		t.Fatal(err)
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string, v any) {
		t.Helper()
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v: %s", expr, err, raw)
		}
	}
	loads := func() int {
		var n int
		eval(`window.rogueCharts ? window.rogueCharts.loads : 0`, &n)
		return n
	}
	// waitLoads waits for the page to finish a load of all charts after
	// the first n, across navigations (the opener refreshes twice).
	waitLoads := func(what string, n int) {
		t.Helper()
		if err := browser.WaitTrue(bctx, fmt.Sprintf(`window.rogueCharts && window.rogueCharts.loads > %d`, n), 20*time.Second); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	window := func() pageWindow {
		var w pageWindow
		eval(`(() => { const w = window.rogueCharts.window; return {From: w.from, To: w.to, Range: w.range, Live: w.live}; })()`, &w)
		return w
	}
	// Marks of the planted history only: before the live samples.
	liveFrom := end.Add(-2 * time.Minute).Unix()
	inspect := func() map[string]chartPixels {
		m := map[string]chartPixels{}
		eval(fmt.Sprintf(inspectCharts, liveFrom), &m)
		return m
	}
	groups := []string{"cpu", "memory", "disk-bytes", "disk-time", "network", "keys"}

	mark("chromium started")
	// Opening the opener file signs the browser in and lands on the page.
	do("open the opener file", chromedp.Navigate("file://"+opener))
	waitLoads("first charts drawn", 0)
	var href string
	eval(`location.href`, &href)
	if href != base+"#24h" {
		t.Errorf("page at %q, want %q (the key out of the address bar, the range in it)", href, base+"#24h")
	}
	var status string
	eval(`document.querySelector("#status").textContent`, &status)
	if !strings.Contains(status, "Forwarding: off") || !strings.Contains(status, "Last export: none") {
		t.Errorf("status line %q", status)
	}
	if w := window(); !w.Live || w.Range != 86400 || w.To-w.From != 86400 {
		t.Errorf("first window %+v, want the live last 24 h", w)
	}
	px := inspect()
	for _, g := range groups {
		p := px[g]
		if p.Ink < 1000 {
			t.Errorf("%s: canvas nearly blank (%d pixels drawn)", g, p.Ink)
		}
		if p.Points < 1 || p.Points > 2*p.Px || p.Px > p.Width {
			t.Errorf("%s: %d points for a plot of %d px (canvas %d)", g, p.Points, p.Px, p.Width)
		}
		if p.Red != 0 || p.Marks != 0 {
			t.Errorf("%s: anomaly marks in the last 24 h (%d marks, %d red pixels); the anomaly was 50 h ago", g, p.Marks, p.Red)
		}
	}

	// The page's drawnAt (what the benchmark measures) comes after every
	// chart has drawn data.
	var first struct {
		DrawnAt float64
		First   map[string]float64
	}
	eval(`({DrawnAt: window.rogueCharts.drawnAt, First: window.rogueCharts.firstDrawnAt})`, &first)
	for _, g := range groups {
		if at := first.First[g]; !(at > 0 && at <= first.DrawnAt) {
			t.Errorf("%s first drew data at %.1f ms, the page says all were drawn at %.1f ms", g, at, first.DrawnAt)
		}
	}

	mark("first charts drawn")
	// 14 days: the planted anomaly is in the window and marked on CPU only.
	n := loads()
	do("click 14 d", chromedp.Click(chromedp.CSS(`#ranges button[data-range="1209600"]`)))
	waitLoads("14 days drawn", n)
	if w := window(); !w.Live || w.Range != 14*86400 || w.To-w.From != 14*86400 {
		t.Errorf("window after 14 d: %+v", w)
	}
	eval(`location.hash`, &href)
	if href != "#14d" {
		t.Errorf("hash after 14 d: %q", href)
	}
	px = inspect()
	for _, g := range groups {
		p := px[g]
		if p.Ink < 1000 || p.Points > 2*p.Px {
			t.Errorf("%s over 14 days: %d pixels drawn, %d points for %d px", g, p.Ink, p.Points, p.Px)
		}
		if g == "cpu" && (p.Marks < 1 || p.Red < 50) {
			t.Errorf("cpu: the planted anomaly is not marked (%d marks, %d red pixels)", p.Marks, p.Red)
		}
		if g != "cpu" && (p.Marks != 0 || p.Red != 0) {
			t.Errorf("%s: %d marks, %d red pixels without an anomaly", g, p.Marks, p.Red)
		}
	}

	mark("14 days drawn")
	// Hovering over the planted anomaly shows its time, value, unit and
	// score.
	var box struct{ Left, Top, Width, Height float64 }
	eval(`(() => { const r = document.querySelector("#group-cpu .u-over").getBoundingClientRect();
		return {Left: r.left, Top: r.top, Width: r.width, Height: r.height}; })()`, &box)
	w := window()
	hx := box.Left + box.Width*float64(anomalyAt.Unix()+15*60-w.From)/float64(w.To-w.From)
	do("hover", chromedp.MouseEvent("mouseMoved", hx, box.Top+box.Height/2), chromedp.Sleep(100*time.Millisecond))
	var tip string
	eval(`(() => { const t = document.querySelector("#group-cpu .tip"); return t && !t.hidden ? t.textContent : ""; })()`, &tip)
	if !strings.Contains(tip, "CPU: ") || !strings.Contains(tip, " %") || !strings.Contains(tip, "anomaly score 0.95") ||
		!strings.Contains(tip, anomalyAt.Format("Jan")) {
		t.Errorf("tooltip over the anomaly: %q, want time, CPU value in %% and the score", tip)
	}

	mark("hovered")
	// Drag across the CPU chart: the window narrows to the selection, for
	// every chart, and stops following the clock.
	before := window()
	n = loads()
	y := box.Top + box.Height/2
	x0, x1 := box.Left+box.Width*0.3, box.Left+box.Width*0.5
	drag := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent("mousePressed", x0, y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 8; i++ {
		drag = append(drag, chromedp.MouseEvent("mouseMoved", x0+(x1-x0)*float64(i)/8, y, chromedp.ButtonLeft))
	}
	drag = append(drag, chromedp.MouseEvent("mouseReleased", x1, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	do("drag to zoom", drag...)
	waitLoads("zoomed charts drawn", n)
	w = window()
	span := w.To - w.From
	if w.Live || span > (before.To-before.From)/4 || span < (before.To-before.From)/6 || w.From < before.From || w.To > before.To {
		t.Errorf("after dragging across 20%% of %+v: %+v", before, w)
	}
	for g, p := range inspect() {
		if p.Ink < 500 {
			t.Errorf("%s: blank after zoom", g)
		}
	}

	mark("zoomed")
	// A range button goes back to the live window.
	n = loads()
	do("click 1 h", chromedp.Click(chromedp.CSS(`#ranges button[data-range="3600"]`)))
	waitLoads("1 h drawn", n)
	if w := window(); !w.Live || w.Range != 3600 || w.To-w.From != 3600 {
		t.Errorf("window after 1 h: %+v", w)
	}
	mark("1 h drawn")
	// Live: new loads follow the clock at the display cadence.
	w = window()
	testpeer.WaitFor(t, 10*time.Second, "a live refresh moving the window", func() (bool, error) {
		return window().To > w.To, nil
	})
	n = loads()
	waitLoads("the live refresh drawn", n)

	if list := problems.List(); len(list) > 0 {
		t.Errorf("the page had problems:\n%s", strings.Join(list, "\n"))
	}

	mark("live refresh drawn")
	// Quitting removes the address file ("rogue charts" then says so) and
	// the opener, which carries the key.
	rogue.Stop()
	for _, f := range []string{addrFile, opener} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s left after quitting: %v", filepath.Base(f), err)
		}
	}
}
