package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/sync"
	"github.com/rogue-metrics/rogue/tray"
)

// staleHint stands for the platform's advice on a stale grant.
const staleHint = "macOS refuses key events although Rogue is allowed: remove it and add it again."

// TestKeyState checks what the menu says about key events.
func TestKeyState(t *testing.T) {
	tests := []struct {
		name     string
		k        agent.KeyStatus
		ok       bool
		hint     string
		want     tray.KeyState
		wantHint string
	}{
		{"Flowing", agent.KeyStatus{Flowing: true}, true, "", tray.KeyState{Flowing: true}, ""},
		{"NoAccessUsesPlatformHint", agent.KeyStatus{Err: agent.ErrKeyAccess}, false, "Allow Rogue in Accessibility",
			tray.KeyState{Problem: "no access", Hint: "Allow Rogue in Accessibility"}, ""},
		{"NoDisplay", agent.KeyStatus{Err: fmt.Errorf("x: %w", agent.ErrNoDisplay)}, true, "",
			tray.KeyState{Problem: "no display"}, "no display"},
		{"Refused", agent.KeyStatus{Err: fmt.Errorf("x: %w", agent.ErrKeyAccess)}, true, "",
			tray.KeyState{Problem: "not allowed"}, "permission"},
		{"OtherError", agent.KeyStatus{Err: errors.New("RECORD extension missing")}, true, "",
			tray.KeyState{Problem: "not running"}, "RECORD extension missing"},
		// A stale grant: access is granted, yet the system refuses the tap.
		// Granting again does not help; the menu says what does.
		{"StaleGrant", agent.KeyStatus{Err: fmt.Errorf("CGEventTapCreate returned NULL: %w", agent.ErrKeyRefused)}, true, "",
			tray.KeyState{Problem: "refused by macOS", Hint: staleHint}, "remove it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keyState(tt.k, tt.ok, tt.hint, staleHint)
			if got.Flowing != tt.want.Flowing || got.Problem != tt.want.Problem {
				t.Errorf("keyState = %+v, want %+v", got, tt.want)
			}
			if tt.want.Hint != "" && got.Hint != tt.want.Hint {
				t.Errorf("hint %q, want %q", got.Hint, tt.want.Hint)
			}
			if !strings.Contains(got.Hint, tt.wantHint) {
				t.Errorf("hint %q, want it to mention %q", got.Hint, tt.wantHint)
			}
		})
	}
}

func TestExportDir(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 45, 3, 0, time.Local)
	home := t.TempDir()
	if got, want := exportDir(home, now), filepath.Join(home, "Rogue export 2026-11-25 09.45.03"); got != want {
		t.Errorf("no Documents or Downloads: %q, want %q", got, want)
	}
	os.Mkdir(filepath.Join(home, "Downloads"), 0o700)
	if got := exportDir(home, now); filepath.Dir(got) != filepath.Join(home, "Downloads") {
		t.Errorf("Downloads only: %q", got)
	}
	os.Mkdir(filepath.Join(home, "Documents"), 0o700)
	first := exportDir(home, now)
	if filepath.Dir(first) != filepath.Join(home, "Documents") {
		t.Errorf("with Documents: %q", first)
	}
	os.Mkdir(first, 0o700)
	if got := exportDir(home, now); got != first+" (2)" {
		t.Errorf("existing folder not kept: got %q", got)
	}
}

func TestParseAppFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		ok   bool
		code int
		want func(appOptions) bool
	}{
		{[]string{"--interval", "5", "--hearbeat", "100"}, true, 0, func(o appOptions) bool {
			return o.interval == 5 && o.heartbeat == 100 && o.set["interval"] && o.set["heartbeat"]
		}},
		{[]string{"--headless", "--prefix", "/tmp/x", "--reset"}, true, 0, func(o appOptions) bool {
			return o.headless && o.prefix == "/tmp/x" && o.reset && !o.set["interval"]
		}},
		{[]string{"--interval", "0"}, false, 2, nil},
		{[]string{"-h"}, false, 0, nil},
		{[]string{"--bogus"}, false, 2, nil},
		{[]string{"stray"}, false, 2, nil},
	} {
		var stderr bytes.Buffer
		o, code, ok := parseAppFlags(tt.args, &stderr)
		if ok != tt.ok || code != tt.code || (tt.want != nil && !tt.want(o)) {
			t.Errorf("parseAppFlags(%q) = %+v, %d, %v; want ok=%v code=%d", tt.args, o, code, ok, tt.ok, tt.code)
		}
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
