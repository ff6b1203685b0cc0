package sync

import (
	"context"
	"errors"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// recentEnd is a row end an hour ago: carbon (whisper) takes only points
// within its retention and not in the future.
func recentEnd() int64 { return time.Now().Unix()/60*60 - 3600 }

// TestForward_RealGraphite forwards a backlog to Debian's carbon-cache and
// reads it back with whisper-fetch: exactly the points the RRDs hold, equal
// values, unknown rows absent.
func TestForward_RealGraphite(t *testing.T) {
	c := testpeer.StartCarbon(t, "60s:30d")
	prefix := t.TempDir()
	end := recentEnd()
	rrds := backlog(t, prefix, testNames, 60, end, 1000)
	f := testForwarder(t, prefix, c.Addr(), testNames, 30*time.Second, nil)
	sent, err := f.ForwardOnce(context.Background())
	if err != nil {
		t.Fatalf("ForwardOnce: %v\ncarbon log:\n%s", err, c.Log())
	}
	want := 0
	for _, name := range testNames {
		r := rrds[name]
		want += len(r.vals)
		c.WaitFor(t, name, r.stored(t), r.all[0]-60, r.last())
	}
	if sent != want {
		t.Fatalf("sent %d, want %d", sent, want)
	}
	settle(f) // the next connection confirms the first
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != want {
		t.Fatalf("confirming ForwardOnce = %d, %v; want %d", sent, err, want)
	}
	// More rows: only they are sent, and carbon then holds all.
	r := rrds["CPUPercent"]
	all := r.stored(t)
	r.add(t, 10.5, 20.25, 30.125) // the three oldest rows fall out of the RRD
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != 3 {
		t.Fatalf("ForwardOnce = %d, %v; want 3", sent, err)
	}
	for ts, v := range r.stored(t) {
		all[ts] = v
	}
	c.WaitFor(t, "CPUPercent", all, r.all[0]-60, r.last())
}

// TestForward_CarbonOutage: with carbon stopped the forward fails and no
// cursor moves; once carbon is back everything arrives.
func TestForward_CarbonOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts carbon-cache (several seconds)")
	}
	c := testpeer.StartCarbon(t, "60s:30d")
	prefix := t.TempDir()
	end := recentEnd() - 200*60
	rrds := backlog(t, prefix, testNames, 60, end, 300)
	f := testForwarder(t, prefix, c.Addr(), testNames, 10*time.Second, nil)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Let carbon write its cache out: its own durability is not on trial.
	sent := map[string]map[int64]float64{}
	for _, n := range testNames {
		r := rrds[n]
		sent[n] = r.stored(t)
		c.WaitFor(t, n, sent[n], r.all[0]-60, r.last())
	}
	settle(f)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	for _, n := range testNames {
		before[n] = readPos(t, prefix, n, Grok)
		if before[n] != strconv.FormatInt(rrds[n].last(), 10) {
			t.Fatalf("%s.pos = %s after the first forward", n, before[n])
		}
	}

	c.Stop()
	for i, n := range testNames {
		rrds[n].add(t, wave(150, i+7)...)
	}
	_, err := f.ForwardOnce(context.Background())
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("forward during the outage: %v", err)
	}
	for _, n := range testNames {
		if p := readPos(t, prefix, n, Grok); p != before[n] {
			t.Fatalf("%s cursor moved during the outage: %s -> %s", n, before[n], p)
		}
	}
	if st := f.Status(); st.Pending == 0 || st.LastErr == nil {
		t.Fatalf("status during the outage %+v", st)
	}

	c.Start()
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, n := range testNames {
		r := rrds[n]
		for ts, v := range r.stored(t) {
			sent[n][ts] = v
		}
		c.WaitFor(t, n, sent[n], r.all[0]-60, r.last())
	}
}
