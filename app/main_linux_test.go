package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/sync"
)

// TestAppSIGHUPStopsCleanly: SIGHUP ends the app like SIGTERM, exit 0 with
// the shutdown logged (it used to die with status 129, nothing logged).
func TestAppSIGHUPStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the rogue binary for a few seconds")
	}
	env := newTestEnv(t, nil)
	p := startHeadless(t, env, nil)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGHUP, want 0\n%s", code, p.out.String())
	}
	if !strings.Contains(p.out.String(), "Rogue stopped") {
		t.Errorf("no shutdown logged after SIGHUP:\n%s", p.out.String())
	}
	// A new install (no settings before) remembers a per-machine metric
	// prefix.
	s, err := loadSettings(filepath.Join(env.Config, "rogue", settingsFile), time.Now())
	host, _ := os.Hostname()
	if want := sync.HostPrefix(host); err != nil || want == "" || s.MetricPrefix != want {
		t.Errorf("settings after the first start: metric prefix %q, %v; want %q", s.MetricPrefix, err, want)
	}
}
