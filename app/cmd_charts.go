package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	gosync "sync"
	"time"

	"github.com/rogue-metrics/rogue/charts"
)

// Files of the charts page in the config folder, all 0600.
const (
	// chartsSecretFile holds the per-install secret of the charts page.
	chartsSecretFile = "charts-secret"
	// chartsAddressFile holds the base URL of the running Rogue's charts
	// server, while it runs.
	chartsAddressFile = "charts-address"
	// chartsOpenerFile is the HTML file opened in the browser: it carries
	// the secret to the page without putting it on a command line.
	chartsOpenerFile = "charts-open.html"
)

func init() {
	register(command{Name: "charts", Summary: "open the history charts of the running Rogue (--url prints the address)", Run: runCharts})
}

func runCharts(ctx context.Context, args []string, io stdio) int {
	fs := newFlagSet("rogue charts", io.Err)
	printURL := fs.Bool("url", false, "print the page's address (with its key: keep it to yourself) instead of opening it")
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: rogue charts [--url]\n\n"+
			"Opens the history charts of the running Rogue in the default browser: one\n"+
			"chart per group of metrics over the last hour, day, week or two weeks, with\n"+
			"the anomalies marked. The page is served by Rogue on 127.0.0.1 and ::1 only.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, nil); !ok {
		return code
	}
	d, err := defaultDirs()
	if err != nil {
		fmt.Fprintf(io.Err, "rogue charts: %v\n", err)
		return 1
	}
	base, err := charts.ReadAddress(filepath.Join(d.Config, chartsAddressFile))
	if err == nil {
		err = ping(ctx, base)
	}
	if err != nil {
		if errors.Is(err, charts.ErrNotRunning) {
			err = errors.New("Rogue is not running; start it with 'rogue'")
		}
		fmt.Fprintf(io.Err, "rogue charts: %v\n", err)
		return 1
	}
	secret, err := charts.LoadSecret(filepath.Join(d.Config, chartsSecretFile))
	if err != nil {
		fmt.Fprintf(io.Err, "rogue charts: %v\n", err)
		return 1
	}
	if *printURL {
		fmt.Fprintln(io.Out, charts.OpenURL(base, secret))
		return 0
	}
	// xdg-open needs a desktop session, or a $BROWSER (a terminal's).
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" && os.Getenv("BROWSER") == "" {
		fmt.Fprintf(io.Err, "rogue charts: no desktop session here (DISPLAY is not set) to open a browser in; open the address 'rogue charts --url' prints in a browser on this machine\n")
		return 1
	}
	opener := filepath.Join(d.Config, chartsOpenerFile)
	if err := charts.WriteOpener(opener, base, secret); err != nil {
		fmt.Fprintf(io.Err, "rogue charts: %v\n", err)
		return 1
	}
	if err := newPlatform().Reveal(opener); err != nil {
		fmt.Fprintf(io.Err, "rogue charts: cannot open a browser (%v); open %s, or the address 'rogue charts --url' prints\n", err, opener)
		return 1
	}
	fmt.Fprintf(io.Out, "Opening the charts of the running Rogue (%s) in your browser; if none opens, 'rogue charts --url' prints an address to open.\n", base)
	return 0
}

// ping checks that a server listens at base.
func ping(ctx context.Context, base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return fmt.Errorf("Rogue is not running (nothing answers at %s); start it with 'rogue'", u.Host)
	}
	return c.Close()
}

// startCharts starts the charts server of the running app on loopback, at
// the settings' port (0: a free one), and records its address for
// "rogue charts". It stops when ctx is done; wg waits for it. A failure
// leaves the app running without charts.
func (a *app) startCharts(ctx context.Context, wg *gosync.WaitGroup) {
	a.mu.Lock()
	port, interval, threshold := a.eff.ChartsPort, a.eff.Interval, a.eff.threshold()
	a.mu.Unlock()
	secret, err := charts.LoadSecret(filepath.Join(a.dirs.Config, chartsSecretFile))
	if err == nil {
		a.charts, err = charts.New(charts.Config{
			Dir:       a.prefix,
			Threshold: threshold, // the menu's: the settings' or the detector's default
			Refresh:   time.Duration(interval) * time.Second,
			Secret:    secret,
			Status:    a,
			Logger:    a.log,
		})
	}
	var lns []net.Listener
	if err == nil {
		lns, err = charts.Listen(ctx, port)
	}
	addrFile := filepath.Join(a.dirs.Config, chartsAddressFile)
	if err == nil {
		a.chartsBase = charts.BaseURL(lns)
		err = charts.WriteAddress(addrFile, a.chartsBase)
	}
	if err != nil {
		for _, l := range lns {
			l.Close()
		}
		a.charts, a.chartsBase = nil, ""
		a.log.Warn("charts not available", "err", err)
		return
	}
	a.log.Info("charts", "address", a.chartsBase)
	for _, l := range lns {
		wg.Go(func() {
			if err := a.charts.Serve(ctx, l); err != nil {
				a.log.Warn("charts", "err", err)
			}
		})
	}
	wg.Go(func() {
		<-ctx.Done()
		// Only our own address: another Rogue may have started since.
		if b, err := charts.ReadAddress(addrFile); err == nil && b == a.chartsBase {
			os.Remove(addrFile)
		}
		// The opener, which carries the key, has done its work once the
		// page it leads to is gone (another Rogue writes its own).
		opener := filepath.Join(a.dirs.Config, chartsOpenerFile)
		if b, err := os.ReadFile(opener); err == nil && bytes.Contains(b, []byte(a.chartsBase)) {
			os.Remove(opener)
		}
	})
}

// OpenCharts implements tray.App: it opens the charts page in the browser.
func (a *app) OpenCharts() {
	if a.charts == nil {
		a.setNotice("Charts are not available (see the log)")
		return
	}
	secret, err := charts.LoadSecret(filepath.Join(a.dirs.Config, chartsSecretFile))
	opener := filepath.Join(a.dirs.Config, chartsOpenerFile)
	if err == nil {
		err = charts.WriteOpener(opener, a.chartsBase, secret)
	}
	if err == nil {
		err = a.plat.Reveal(opener)
	}
	if err != nil {
		a.log.Info("open charts", "err", err)
		a.setNotice("Charts: run 'rogue charts --url' and open the address")
	}
}

// ChartsStatus implements charts.StatusProvider: the forwarding and export
// lines at the top of the page, in the menu's words.
func (a *app) ChartsStatus() charts.Status {
	fst := a.fwd.Status()
	a.mu.Lock()
	defer a.mu.Unlock()
	var s charts.Status
	switch {
	case !a.eff.Forwarding:
		s.Forward = "off"
	case a.eff.Server != "":
		s.Forward = a.eff.Server + " · " + fst.Format(a.now())
	default:
		s.Forward = fst.Format(a.now())
	}
	e := a.export
	switch {
	case e.Running:
		s.Export = fmt.Sprintf("running, %d of %d", e.Done, e.Total)
	case e.Err != "":
		s.Export = "failed: " + e.Err
	case e.Folder != "":
		s.Export = e.Folder
	default:
		s.Export = "none since Rogue started"
	}
	return s
}
