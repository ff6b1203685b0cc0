package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/sync"
)

// TestNewInstallMetricPrefix: a new install sends under the host's short
// name (two machines with the old empty default fed one Grok model);
// existing settings and folders the old tool forwarded from keep theirs.
func TestNewInstallMetricPrefix(t *testing.T) {
	host := func() (string, error) { return "Janes-MBP.local", nil }
	withCursor := t.TempDir()
	os.WriteFile(sync.CursorPath(withCursor, "CPUPercent", sync.Grok), []byte("1764000000"), 0o600)
	for _, tt := range []struct {
		name     string
		firstRun bool
		prefix   string
		host     func() (string, error)
		want     string
		ok       bool
	}{
		{"NewInstall", true, t.TempDir(), host, "Janes-MBP", true},
		{"SettingsExist", false, t.TempDir(), host, "", false},
		{"OldToolsCursors", true, withCursor, host, "", false},
		{"NoHostName", true, t.TempDir(), func() (string, error) { return "", errors.New("no name") }, "", false},
		{"HostNameWithNothingUsable", true, filepath.Join(t.TempDir(), "new"), func() (string, error) { return "…", nil }, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := newInstallMetricPrefix(tt.firstRun, tt.prefix, tt.host)
			if got != tt.want || ok != tt.ok {
				t.Errorf("newInstallMetricPrefix = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestStateShowsFilesSetAside: a damaged RRD file set aside by the agent
// reaches the menu's state by its new name.
func TestStateShowsFilesSetAside(t *testing.T) {
	prefix := t.TempDir()
	os.WriteFile(filepath.Join(prefix, "KeyHold.rrd"), []byte("garbage"), 0o600)
	logger := slog.New(slog.DiscardHandler)
	ag, err := agent.New(agent.Config{Prefix: prefix, Logger: logger, KeyTap: noKeys{}})
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	fwd, err := sync.NewForwarder(sync.ForwardConfig{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{log: logger, fwdLog: logger, plat: &accessPlatform{ok: true}, agent: ag, fwd: fwd, now: time.Now}
	got := a.State().SetAside
	asides, _ := filepath.Glob(filepath.Join(prefix, "KeyHold.rrd.bad-*"))
	if len(asides) != 1 || len(got) != 1 || got[0] != filepath.Base(asides[0]) {
		t.Errorf("State().SetAside = %q, files set aside %q", got, asides)
	}
}

// noKeys is a key tap without a display.
type noKeys struct{}

func (noKeys) Run(ctx context.Context, _ chan<- agent.KeyEvent) error { return agent.ErrNoDisplay }
