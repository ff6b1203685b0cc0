// Package browser starts a headless Chromium for the charts page's tests,
// benchmark and screenshot, driven over the DevTools protocol with
// github.com/chromedp/chromedp, and records what went wrong in the page:
// console errors, uncaught exceptions and failed requests.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	gosync "sync"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned by Find when no Chromium is installed.
var ErrNoChromium = errors.New("browser: chromium is not installed")

// Find returns the path of Chromium (Debian's chromium, or Chrome).
func Find() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Options say how to start the browser.
type Options struct {
	Exec          string // path of Chromium; empty: Find
	UserDataDir   string // a fresh, empty folder
	Width, Height int    // window size; 0: 1280×900
	Dark          bool   // prefer the dark colour scheme
}

// Start starts Chromium headless with a fresh profile and returns a
// context for chromedp actions in its first tab; cancel stops it.
func Start(ctx context.Context, o Options) (context.Context, context.CancelFunc, error) {
	if o.Exec == "" {
		p, err := Find()
		if err != nil {
			return nil, nil, err
		}
		o.Exec = p
	}
	if o.UserDataDir == "" {
		return nil, nil, errors.New("browser: no user data folder")
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 900
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(o.Exec),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(o.UserDataDir),
		chromedp.WindowSize(o.Width, o.Height),
	}
	if o.Dark {
		opts = append(opts, chromedp.Flag("force-dark-mode", true), chromedp.Flag("blink-settings", "preferredColorScheme=0"))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelTab()
		cancelAlloc()
		return nil, nil, fmt.Errorf("browser: start %s: %w", o.Exec, err)
	}
	return bctx, func() { cancelTab(); cancelAlloc() }, nil
}

// Problems collects what went wrong in a page.
type Problems struct {
	mu       gosync.Mutex
	list     []string
	requests map[network.RequestID]string
	// Requests counts the requests made, and Bytes the encoded bytes
	// received (as sent over the wire, after compression).
	Requests int
	Bytes    float64
}

// Watch records, from now on, the console errors, exceptions, log entries
// of level error and failed or refused (status 400 and above) requests in
// ctx's tab (chromedp enables the domains these events come from).
func Watch(ctx context.Context) (*Problems, error) {
	p := &Problems{requests: map[network.RequestID]string{}}
	err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				p.list = append(p.list, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			p.list = append(p.list, "exception: "+msg)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				p.list = append(p.list, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			p.Requests++
			p.requests[e.RequestID] = e.Request.URL
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				p.list = append(p.list, fmt.Sprintf("HTTP %d: %s", int(e.Response.Status), redact(e.Response.URL)))
			}
		case *network.EventLoadingFinished:
			p.Bytes += e.EncodedDataLength
		case *network.EventLoadingFailed:
			if !e.Canceled {
				p.list = append(p.list, "request failed: "+redact(p.requests[e.RequestID])+": "+e.ErrorText)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("browser: watch: %w", err)
	}
	return p, nil
}

// redact cuts the query from a URL, which may hold the secret.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

// List returns the problems seen so far.
func (p *Problems) List() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.list...)
}

// Reset forgets the problems and counters so far.
func (p *Problems) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list, p.Requests, p.Bytes = nil, 0, 0
}

// Totals returns the requests made and the bytes received.
func (p *Problems) Totals() (requests int, bytes float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Requests, p.Bytes
}

// TempProfile makes a fresh user data folder under dir (os.TempDir when
// empty).
func TempProfile(dir string) (string, error) {
	return os.MkdirTemp(dir, "chromium-profile-")
}

// WaitTrue evaluates the JavaScript expression expr in ctx's tab until it
// is true, for up to timeout. Unlike chromedp.Poll it carries on across
// navigations (a page that refreshes to another one destroys the context
// a poll runs in).
func WaitTrue(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("still false")
			}
			return fmt.Errorf("browser: waiting for %s: %w", expr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CPUTime returns the CPU time the browser of ctx (all its processes) has
// used so far; negative where it cannot be measured (outside Linux). On a
// busy machine, where wall times mostly wait for a CPU, the CPU time an
// action costs says what it would take on an idle one.
func CPUTime(ctx context.Context) time.Duration {
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return -1
	}
	return treeCPU(c.Browser.Process().Pid)
}
