package sync

import (
	"errors"
	"testing"
	"time"
)

func TestStatus_Format(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	refused := &sendError{msg: "Grok unreachable: connection refused by grok:2003"}
	tests := []struct {
		s    Status
		want string
	}{
		{Status{Enabled: false, Server: "grok"}, "Forwarding off"},
		{Status{Enabled: true}, "No server set — choose Grok Server…"},
		{Status{Enabled: true, Server: "grok", LastSuccess: now.Add(-2 * time.Minute)}, "Sent 2 min ago · 0 pending"},
		{Status{Enabled: true, Server: "grok", LastSuccess: now.Add(-3 * time.Second), Pending: 4}, "Sent just now · 4 pending"},
		{Status{Enabled: true, Server: "grok", LastSuccess: now.Add(-5 * time.Hour)}, "Sent 5 h ago · 0 pending"},
		{Status{Enabled: true, Server: "grok"}, "Not sent yet"},
		{Status{Enabled: true, Server: "grok", Pending: 12}, "Not sent yet · 12 pending"},
		{Status{Enabled: true, Server: "grok", LastErr: refused, NextRetry: now.Add(40 * time.Second)},
			"Grok unreachable: connection refused by grok:2003 — retrying in 40 s"},
		{Status{Enabled: true, Server: "grok", LastErr: refused, NextRetry: now.Add(150 * time.Second)},
			"Grok unreachable: connection refused by grok:2003 — retrying in 3 min"},
		{Status{Enabled: true, Server: "grok", LastErr: errors.New("x: unreadable")}, "x: unreadable"},
	}
	for _, tt := range tests {
		if got := tt.s.Format(now); got != tt.want {
			t.Errorf("Format(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestBackoff_GrowsToCapWithJitter(t *testing.T) {
	prevMax := time.Duration(0)
	for n := 1; n <= 12; n++ {
		full := min(backoffBase<<(n-1), backoffCap)
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for range 200 {
			d := backoff(n)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < full/2 || hi > full {
			t.Fatalf("backoff(%d) in [%v, %v], want within [%v, %v]", n, lo, hi, full/2, full)
		}
		if lo == hi {
			t.Fatalf("backoff(%d) has no jitter", n)
		}
		if hi < prevMax/2 {
			t.Fatalf("backoff(%d) shrank", n)
		}
		prevMax = hi
	}
}
