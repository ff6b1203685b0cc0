// Command chartshot photographs Rogue's charts page in headless Chromium:
// it signs in with the URL "rogue charts --url" prints, picks a range,
// waits until every chart is drawn and saves a PNG.
//
//	go run ./tools/chartshot --url URL --out docs/charts.png [--range 14d] [--dark] [--pdf]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/rogue-metrics/rogue/internal/browser"
)

func main() {
	signIn := flag.String("url", "", "the page's address with its key, as 'rogue charts --url' prints it")
	out := flag.String("out", "charts.png", "PNG `file` to write")
	rng := flag.String("range", "14d", "range to show: 1h, 24h, 7d or 14d")
	width := flag.Int("width", 1320, "window width in CSS `pixels`")
	height := flag.Int("height", 900, "window height in CSS `pixels`")
	dark := flag.Bool("dark", false, "prefer the dark colour scheme")
	hover := flag.Float64("hover", 0, "hover over the CPU chart at this `fraction` of its width (0: no pointer)")
	pdf := flag.Bool("pdf", false, "print the page to PDF (A4) instead of taking a PNG")
	flag.Parse()
	if err := run(*signIn, *out, *rng, *width, *height, *dark, *hover, *pdf); err != nil {
		fmt.Fprintln(os.Stderr, "chartshot:", err)
		os.Exit(1)
	}
}

func run(signIn, out, rng string, width, height int, dark bool, hover float64, pdf bool) error {
	u, err := url.Parse(signIn)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--url %q is not the page's address", signIn)
	}
	profile, err := browser.TempProfile("")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, browser.Options{UserDataDir: profile, Width: width, Height: height, Dark: dark})
	if err != nil {
		return err
	}
	defer stop()
	base := u.Scheme + "://" + u.Host + "/"
	if err := chromedp.Do(bctx, chromedp.Navigate(signIn)); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	// The sign-in page refreshes to the page.
	if err := browser.WaitTrue(bctx, `location.href.startsWith("`+base+`") && !location.search && document.readyState === "complete"`, 30*time.Second); err != nil {
		return err
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"#"+rng)); err != nil {
		return fmt.Errorf("open %s: %w", base, err)
	}
	span, ok := map[string]int{"1h": 3600, "24h": 86400, "7d": 7 * 86400, "14d": 14 * 86400}[rng]
	if !ok {
		return fmt.Errorf("--range %q: want 1h, 24h, 7d or 14d", rng)
	}
	if err := browser.WaitTrue(bctx, fmt.Sprintf(`window.rogueCharts && window.rogueCharts.loaded && window.rogueCharts.loaded.to - window.rogueCharts.loaded.from === %d`, span), 30*time.Second); err != nil {
		state, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href.replace(location.search, "") + " " + JSON.stringify(window.rogueCharts)`))
		return fmt.Errorf("%w (page: %s)", err, state)
	}
	// The pointer: off the charts, so no cursor or tooltip shows, or over
	// the CPU chart.
	x, y := 2.0, 2.0
	if hover > 0 {
		box, err := chromedp.Run(bctx, chromedp.Evaluate[[]float64](`(() => {
			const r = document.querySelector("#group-cpu .u-over").getBoundingClientRect();
			return [r.left, r.top, r.width, r.height]; })()`))
		if err != nil {
			return err
		}
		x, y = box[0]+box[2]*hover, box[1]+box[3]*0.5
	}
	if err := chromedp.Do(bctx, chromedp.MouseEvent("mouseMoved", x, y), chromedp.Sleep(300*time.Millisecond)); err != nil {
		return err
	}
	if pdf {
		res, err := chromedp.Call(bctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69})
		if err != nil {
			return fmt.Errorf("print: %w", err)
		}
		return os.WriteFile(out, res.Data, 0o644)
	}
	shot := chromedp.FullScreenshot(100)
	if hover > 0 { // a full-page capture resizes the view, and the pointer leaves
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(bctx, shot)
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return os.WriteFile(out, png, 0o644)
}
