package main

import (
	"context"
	"log/slog"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"
)

// accessPlatform is a platform whose key access is fixed and which counts
// walk-throughs; the rest of platform is not used by offerKeyAccess.
type accessPlatform struct {
	platform
	ok       bool
	mu       gosync.Mutex
	requests int
}

func (p *accessPlatform) KeyAccess() (bool, string) { return p.ok, "hint" }

func (p *accessPlatform) RequestKeyAccess(context.Context) {
	p.mu.Lock()
	p.requests++
	p.mu.Unlock()
}

// TestFirstRunOffersKeyAccessOnce: the walk-through starts by itself at the
// first run when key events may not be observed, is remembered in the
// settings, and is not offered again at the next start.
func TestFirstRunOffersKeyAccessOnce(t *testing.T) {
	for _, tt := range []struct {
		name         string
		granted      bool
		asked        bool
		wantRequests int
	}{
		{"FirstRunWithoutAccess", false, false, 1},
		{"FirstRunWithAccess", true, false, 0},
		{"AlreadyAsked", false, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), settingsFile)
			s := defaultSettings()
			s.KeyAccessAsked = tt.asked
			plat := &accessPlatform{ok: tt.granted}
			logger := slog.New(slog.DiscardHandler)
			a := &app{log: logger, fwdLog: logger, plat: plat, ctx: context.Background(), now: time.Now,
				settingsPath: path, saved: s, eff: s}
			a.offerKeyAccess()
			a.bg.Wait()
			if plat.requests != tt.wantRequests {
				t.Errorf("%d walk-throughs, want %d", plat.requests, tt.wantRequests)
			}
			if tt.asked {
				return // nothing to remember
			}
			saved, err := loadSettings(path, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !saved.KeyAccessAsked {
				t.Error("settings file does not remember that key access was offered")
			}
			a.offerKeyAccess() // the next start
			a.bg.Wait()
			if plat.requests != tt.wantRequests {
				t.Errorf("offered again: %d walk-throughs, want %d", plat.requests, tt.wantRequests)
			}
		})
	}
}
