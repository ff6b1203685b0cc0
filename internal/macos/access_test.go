package macos

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestAccessStateTransitionsWrong(t *testing.T) {
	all := []AccessState{AccessUnknown, AccessDenied, AccessWaiting, AccessGranted, AccessRevoked}
	for _, tc := range []struct {
		from    AccessState
		trusted bool
		want    AccessState
	}{
		{AccessUnknown, false, AccessDenied},
		{AccessUnknown, true, AccessGranted},
		{AccessDenied, false, AccessDenied},
		{AccessDenied, true, AccessGranted},
		{AccessWaiting, false, AccessWaiting},
		{AccessWaiting, true, AccessGranted},
		{AccessGranted, true, AccessGranted},
		{AccessGranted, false, AccessRevoked},
		{AccessRevoked, false, AccessRevoked},
		{AccessRevoked, true, AccessGranted},
	} {
		if got := tc.from.observe(tc.trusted); got != tc.want {
			t.Errorf("%v observe(%v) = %v, want %v", tc.from, tc.trusted, got, tc.want)
		}
	}
	for _, s := range all {
		want := AccessWaiting
		if s == AccessGranted {
			want = AccessGranted
		}
		if got := s.request(); got != want {
			t.Errorf("%v request() = %v, want %v", s, got, want)
		}
		want = s
		if s == AccessWaiting {
			want = AccessDenied
		}
		if got := s.lapse(); got != want {
			t.Errorf("%v lapse() = %v, want %v", s, got, want)
		}
		if s.String() == "" || s.String()[0] == 'A' {
			t.Errorf("%d has no name: %q", int(s), s.String())
		}
	}
}

// fakeAccess is a scripted system: trusted answers come from a queue (the
// last one repeats), and every call is recorded.
type fakeAccess struct {
	mu       sync.Mutex
	answers  []bool
	prompts  int
	opened   int
	explain  bool
	explainE error
	openE    error
	messages []string
}

func (f *fakeAccess) Trusted(prompt bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if prompt {
		f.prompts++
	}
	a := f.answers[0]
	if len(f.answers) > 1 {
		f.answers = f.answers[1:]
	}
	return a
}

func (f *fakeAccess) OpenSettings(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened++
	return f.openE
}

func (f *fakeAccess) Explain(_ context.Context, msg string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages = append(f.messages, msg)
	return f.explain, f.explainE
}

// manualTicker returns a ticker the test fires by hand.
func manualTicker(c chan time.Time) func(time.Duration) (<-chan time.Time, func()) {
	return func(time.Duration) (<-chan time.Time, func()) { return c, func() {} }
}

// ticking returns a ticker that fires without delay, as often as read.
func ticking() func(time.Duration) (<-chan time.Time, func()) {
	return func(time.Duration) (<-chan time.Time, func()) {
		c := make(chan time.Time)
		done := make(chan struct{})
		go func() {
			for {
				select {
				case c <- time.Time{}:
				case <-done:
					return
				}
			}
		}()
		return c, func() { close(done) }
	}
}

func TestRequestGrantedAfterPolls(t *testing.T) {
	// Check (no), prompt (no), poll (no), poll (no), poll (yes).
	os := &fakeAccess{answers: []bool{false, false, false, false, true}, explain: true}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	changed := w.Changed()
	s, err := w.Request(context.Background())
	if err != nil || s != AccessGranted {
		t.Fatalf("Request = %v, %v; want granted", s, err)
	}
	if os.prompts != 1 || os.opened != 1 {
		t.Errorf("prompted %d times, opened settings %d times; want 1 and 1", os.prompts, os.opened)
	}
	if len(os.messages) != 1 || os.messages[0] != Why {
		t.Errorf("explanation shown: %q", os.messages)
	}
	select {
	case <-changed:
	default:
		t.Error("Changed not closed after the state changed")
	}
}

func TestRequestAlreadyTrustedPrompts(t *testing.T) {
	os := &fakeAccess{answers: []bool{true}}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	if s, err := w.Request(context.Background()); err != nil || s != AccessGranted {
		t.Fatalf("Request = %v, %v", s, err)
	}
	if os.prompts != 0 || os.opened != 0 || len(os.messages) != 0 {
		t.Errorf("trusted process was still asked: prompts %d, opened %d, explained %d", os.prompts, os.opened, len(os.messages))
	}
}

func TestRequestDeclinedStillPrompts(t *testing.T) {
	os := &fakeAccess{answers: []bool{false}, explain: false}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	s, err := w.Request(context.Background())
	if err != nil || s != AccessDenied {
		t.Fatalf("Request = %v, %v; want denied", s, err)
	}
	if os.prompts != 0 || os.opened != 0 {
		t.Errorf("declined request still prompted %d / opened %d", os.prompts, os.opened)
	}
}

func TestRequestWithoutExplanationNeverPrompts(t *testing.T) {
	// No explanation dialog (osascript broken): the system prompt, which
	// explains itself, must still appear.
	os := &fakeAccess{answers: []bool{false, false, true}, explainE: errors.New("no osascript")}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	if s, err := w.Request(context.Background()); err != nil || s != AccessGranted {
		t.Fatalf("Request = %v, %v; want granted", s, err)
	}
	if os.prompts != 1 {
		t.Errorf("prompted %d times, want 1", os.prompts)
	}
}

func TestSecondRequestShowsSecondDialog(t *testing.T) {
	os := &fakeAccess{answers: []bool{false}, explain: true}
	ticks := make(chan time.Time)
	w := &Walkthrough{OS: os, NewTicker: manualTicker(ticks)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Request(ctx); close(done) }()
	ticks <- time.Time{} // the first request is now polling
	if _, err := w.Request(context.Background()); !errors.Is(err, ErrBusy) {
		t.Errorf("second Request: err = %v, want ErrBusy", err)
	}
	cancel()
	<-done
	if len(os.messages) != 1 {
		t.Errorf("explained %d times, want once", len(os.messages))
	}
	// Once the first has ended, asking again works.
	os.explain = false
	if _, err := w.Request(context.Background()); err != nil {
		t.Errorf("Request after the first ended: %v", err)
	}
}

func TestRequestPromptGrantsImmediately(t *testing.T) {
	// The system prompt itself reports trust (e.g. granted meanwhile).
	os := &fakeAccess{answers: []bool{false, true}, explain: true}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	if s, _ := w.Request(context.Background()); s != AccessGranted {
		t.Fatalf("state %v, want granted", s)
	}
	if os.opened != 0 {
		t.Error("opened settings although already trusted")
	}
}

func TestRequestNeverGrantedWaitsForever(t *testing.T) {
	os := &fakeAccess{answers: []bool{false}, explain: true, openE: errors.New("open failed")}
	w := &Walkthrough{OS: os, NewTicker: ticking(), Poll: time.Second, Patience: 5 * time.Second}
	s, err := w.Request(context.Background())
	if err != nil || s != AccessDenied {
		t.Fatalf("Request = %v, %v; want denied after patience ran out", s, err)
	}
}

func TestRequestCancelledKeepsWaiting(t *testing.T) {
	os := &fakeAccess{answers: []bool{false}, explain: true}
	ticks := make(chan time.Time)
	w := &Walkthrough{OS: os, NewTicker: manualTicker(ticks)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var s AccessState
	var err error
	go func() { s, err = w.Request(ctx); close(done) }()
	ticks <- time.Time{} // one poll happens while waiting
	if got := w.State(); got != AccessWaiting {
		t.Errorf("state while waiting = %v", got)
	}
	cancel()
	<-done
	if !errors.Is(err, context.Canceled) || s != AccessDenied {
		t.Fatalf("Request = %v, %v; want denied, context.Canceled", s, err)
	}
}

func TestWatchMissesRevocation(t *testing.T) {
	os := &fakeAccess{answers: []bool{true, true, true, false}}
	ticks := make(chan time.Time)
	w := &Walkthrough{OS: os, NewTicker: manualTicker(ticks)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := w.Changed()
	go w.Watch(ctx)
	<-changed // first check: granted
	if s := w.State(); s != AccessGranted {
		t.Fatalf("state %v, want granted", s)
	}
	changed = w.Changed()
	ticks <- time.Time{} // still trusted: no change
	ticks <- time.Time{} // (this send completes only after the previous check)
	select {
	case <-changed:
		t.Fatal("Changed fired without a change")
	default:
	}
	ticks <- time.Time{} // revoked
	<-changed
	if s := w.State(); s != AccessRevoked {
		t.Fatalf("state %v, want revoked", s)
	}
}
