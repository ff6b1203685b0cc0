package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	gsync "github.com/rogue-metrics/rogue/sync"
)

// fakePlatform records what the app asks of the operating system.
type fakePlatform struct {
	mu        sync.Mutex
	asked     int
	revealed  []string
	shown     []string
	revealErr error
	release   chan struct{} // ShowAbout blocks until closed
}

func (p *fakePlatform) LoginItem() (bool, error)         { return false, nil }
func (p *fakePlatform) SetLoginItem(bool) error          { return nil }
func (p *fakePlatform) KeyAccess() (bool, string)        { return true, "" }
func (p *fakePlatform) RequestKeyAccess(context.Context) {}
func (p *fakePlatform) AskServer(context.Context, string) (string, string, error) {
	p.mu.Lock()
	p.asked++
	p.mu.Unlock()
	return "", "", errCancelled
}
func (p *fakePlatform) Reveal(path string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revealed = append(p.revealed, path)
	return p.revealErr
}
func (p *fakePlatform) ShowAbout(ctx context.Context, text string) error {
	p.mu.Lock()
	p.shown = append(p.shown, "about")
	p.mu.Unlock()
	select {
	case <-p.release:
	case <-ctx.Done():
	}
	return nil
}
func (p *fakePlatform) ShowMessage(ctx context.Context, title, text string, isError bool) error {
	p.mu.Lock()
	p.shown = append(p.shown, title+": "+text)
	p.mu.Unlock()
	return nil
}

// newActionApp is an app with a fake platform and no agent.
func newActionApp(t *testing.T, s settings) (*app, *fakePlatform) {
	t.Helper()
	plat := &fakePlatform{release: make(chan struct{})}
	fwd, err := gsync.NewForwarder(gsync.ForwardConfig{Prefix: t.TempDir(), Server: s.Server})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{log: logger, fwdLog: logger, fwd: fwd, plat: plat, ctx: ctx, quit: cancel, now: time.Now,
		prefix: t.TempDir(), settingsPath: filepath.Join(t.TempDir(), settingsFile), saved: s, eff: s,
		trigger: make(chan struct{}, 1)}
	t.Cleanup(func() { close(plat.release); cancel(); a.bg.Wait() })
	return a, plat
}

// TestForwardWithoutServerOpensGrokServer: "Forward to Grok" without a
// server asks for one instead of saving a toggle that cannot work.
func TestForwardWithoutServerOpensGrokServer(t *testing.T) {
	a, plat := newActionApp(t, defaultSettings())
	a.ToggleForwarding()
	a.bg.Wait()
	if plat.asked != 1 {
		t.Errorf("Grok Server dialogs shown %d times, want 1", plat.asked)
	}
	if a.eff.Forwarding || a.saved.Forwarding {
		t.Error("forwarding turned on without a server")
	}

	s := defaultSettings()
	s.Server = "https://grok.example.com"
	b, plat := newActionApp(t, s)
	b.ToggleForwarding()
	b.bg.Wait()
	if plat.asked != 0 || !b.eff.Forwarding {
		t.Errorf("with a server: dialogs %d, forwarding %v; want 0, on", plat.asked, b.eff.Forwarding)
	}
}

// TestOneAboutAtATime: a second click on About while its dialog is up does
// not open another.
func TestOneAboutAtATime(t *testing.T) {
	a, plat := newActionApp(t, defaultSettings())
	a.About()
	a.About()
	time.Sleep(100 * time.Millisecond)
	plat.mu.Lock()
	n := len(plat.shown)
	plat.mu.Unlock()
	if n != 1 {
		t.Errorf("%d About dialogs open, want 1", n)
	}
}

// TestOpenDataFolderFailureReported: a failure to show the data folder is
// said in the menu and in a dialog, with the reason.
func TestOpenDataFolderFailureReported(t *testing.T) {
	a, plat := newActionApp(t, defaultSettings())
	plat.revealErr = errors.New("xdg-open not found")
	a.OpenDataFolder()
	a.bg.Wait()
	if a.notice != "Could not open the data folder: xdg-open not found" {
		t.Errorf("notice %q", a.notice)
	}
	if len(plat.shown) != 1 {
		t.Errorf("dialogs %q, want one saying so", plat.shown)
	}
}

// TestExportWithNoRowsSaysSo: an export before anything is stored says so
// and leaves no empty folder behind.
func TestExportWithNoRowsSaysSo(t *testing.T) {
	a, plat := newActionApp(t, defaultSettings())
	home := t.TempDir()
	t.Setenv("HOME", home)
	// Files that exist but hold no samples yet.
	ag, err := agent.New(agent.Config{Prefix: a.prefix, KeyTap: noKeys{}})
	if err != nil {
		t.Fatal(err)
	}
	ag.Close()
	a.ExportCSV()
	a.bg.Wait()
	if !a.export.Empty {
		t.Errorf("export state %+v, want Empty", a.export)
	}
	if len(plat.revealed) != 0 || len(plat.shown) != 1 {
		t.Errorf("revealed %q, dialogs %q; want no folder opened and one message", plat.revealed, plat.shown)
	}
	if m, _ := filepath.Glob(filepath.Join(home, "Rogue export *")); len(m) != 0 {
		t.Errorf("empty export folders left: %v", m)
	}
}
