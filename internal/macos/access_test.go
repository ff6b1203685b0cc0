package macos

import (
	"context"
	"errors"
	"strings"
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

// fakeAccess is a scripted system: Input Monitoring answers come from a
// queue (the last one repeats), Accessibility and the undetermined flag
// from fields the test may change, and every prompt or pane is recorded in
// order.
type fakeAccess struct {
	mu            sync.Mutex
	listen        []bool // answers of ListenAccess
	ax            bool   // Accessibility
	undetermined  bool   // never asked for Input Monitoring
	requestGrants bool   // RequestListenAccess grants at once
	explain       bool
	explainE      error
	openE         error
	events        []string // "explain", "request", "open"
	messages      []string
}

func (f *fakeAccess) ListenAccess() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.listen[0]
	if len(f.listen) > 1 {
		f.listen = f.listen[1:]
	}
	return a
}

func (f *fakeAccess) Trusted() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ax
}

func (f *fakeAccess) ListenUndetermined() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.undetermined
}

func (f *fakeAccess) RequestListenAccess() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, "request")
	return f.requestGrants
}

func (f *fakeAccess) OpenSettings(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, "open")
	return f.openE
}

func (f *fakeAccess) Explain(_ context.Context, msg string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, "explain")
	f.messages = append(f.messages, msg)
	return f.explain, f.explainE
}

func (f *fakeAccess) set(change func(f *fakeAccess)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func (f *fakeAccess) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.events, " ")
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

// TestRequestShowsOnePromptAtATime: a user never asked gets the system's
// alert alone; the settings pane opens only after the alert was answered
// without a grant, never while it is on screen.
func TestRequestShowsOnePromptAtATime(t *testing.T) {
	os := &fakeAccess{listen: []bool{false}, undetermined: true, explain: true}
	ticks := make(chan time.Time)
	w := &Walkthrough{OS: os, NewTicker: manualTicker(ticks), Major: 14}
	done := make(chan AccessState)
	go func() { s, _ := w.Request(context.Background()); done <- s }()
	ticks <- time.Time{} // the alert is still up
	ticks <- time.Time{} // (this send completes only after the previous poll)
	if got := os.log(); got != "explain request" {
		t.Fatalf("while the system's alert is up: %q, want the explanation and the request only", got)
	}
	os.set(func(f *fakeAccess) { f.undetermined = false }) // "Deny" clicked
	ticks <- time.Time{}
	ticks <- time.Time{}
	if got := os.log(); got != "explain request open" {
		t.Fatalf("after the alert was answered: %q, want the pane opened once", got)
	}
	os.set(func(f *fakeAccess) { f.listen = []bool{true} }) // switched on in the pane
	var s AccessState
	select {
	case ticks <- time.Time{}:
		s = <-done
	case s = <-done: // the poll in flight saw it
	}
	if s != AccessGranted {
		t.Fatalf("state %v, want granted", s)
	}
	if len(os.messages) != 1 || os.messages[0] != Why(14) {
		t.Errorf("explanation shown: %q", os.messages)
	}
}

// TestRequestAskedBeforeOpensPane: when the user answered the system's
// question before, no alert comes, so the pane opens at once.
func TestRequestAskedBeforeOpensPane(t *testing.T) {
	os := &fakeAccess{listen: []bool{false, false, false, true}, explain: true}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	changed := w.Changed()
	s, err := w.Request(context.Background())
	if err != nil || s != AccessGranted {
		t.Fatalf("Request = %v, %v; want granted", s, err)
	}
	if got := os.log(); got != "explain request open" {
		t.Errorf("events %q, want explain request open", got)
	}
	select {
	case <-changed:
	default:
		t.Error("Changed not closed after the state changed")
	}
}

// TestEitherPermissionIsAccess: Input Monitoring alone (the narrow one Rogue
// asks for) and Accessibility alone both let the tap run.
func TestEitherPermissionIsAccess(t *testing.T) {
	for _, tc := range []struct {
		listen, ax bool
		want       AccessState
	}{
		{false, false, AccessDenied},
		{true, false, AccessGranted},
		{false, true, AccessGranted},
		{true, true, AccessGranted},
	} {
		os := &fakeAccess{listen: []bool{tc.listen}, ax: tc.ax}
		w := &Walkthrough{OS: os}
		if got := w.Check(); got != tc.want {
			t.Errorf("Input Monitoring %v, Accessibility %v: %v, want %v", tc.listen, tc.ax, got, tc.want)
		}
		if tc.want == AccessGranted {
			if s, err := w.Request(context.Background()); err != nil || s != AccessGranted || os.log() != "" {
				t.Errorf("Input Monitoring %v, Accessibility %v: Request = %v, %v and asked %q; want granted without asking", tc.listen, tc.ax, s, err, os.log())
			}
		}
	}
}

func TestRequestDeclinedStillPrompts(t *testing.T) {
	os := &fakeAccess{listen: []bool{false}, explain: false}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	s, err := w.Request(context.Background())
	if err != nil || s != AccessDenied {
		t.Fatalf("Request = %v, %v; want denied", s, err)
	}
	if got := os.log(); got != "explain" {
		t.Errorf("declined request still asked: %q", got)
	}
}

func TestRequestWithoutExplanationNeverPrompts(t *testing.T) {
	// No explanation dialog (osascript broken): the system's request, which
	// explains itself, must still come.
	os := &fakeAccess{listen: []bool{false, false, true}, undetermined: true, explainE: errors.New("no osascript")}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	if s, err := w.Request(context.Background()); err != nil || s != AccessGranted {
		t.Fatalf("Request = %v, %v; want granted", s, err)
	}
	if got := os.log(); got != "explain request" {
		t.Errorf("events %q, want explain request", got)
	}
}

func TestSecondRequestShowsSecondDialog(t *testing.T) {
	os := &fakeAccess{listen: []bool{false}, explain: true}
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
	os.set(func(f *fakeAccess) { f.explain = false })
	if _, err := w.Request(context.Background()); err != nil {
		t.Errorf("Request after the first ended: %v", err)
	}
}

func TestRequestPromptGrantsImmediately(t *testing.T) {
	// The system's request itself reports access (granted meanwhile).
	os := &fakeAccess{listen: []bool{false}, requestGrants: true, explain: true}
	w := &Walkthrough{OS: os, NewTicker: ticking()}
	if s, _ := w.Request(context.Background()); s != AccessGranted {
		t.Fatalf("state %v, want granted", s)
	}
	if got := os.log(); got != "explain request" {
		t.Errorf("events %q: opened settings although access was granted", got)
	}
}

func TestRequestNeverGrantedWaitsForever(t *testing.T) {
	os := &fakeAccess{listen: []bool{false}, explain: true, openE: errors.New("open failed")}
	w := &Walkthrough{OS: os, NewTicker: ticking(), Poll: time.Second, Patience: 5 * time.Second}
	s, err := w.Request(context.Background())
	if err != nil || s != AccessDenied {
		t.Fatalf("Request = %v, %v; want denied after patience ran out", s, err)
	}
}

func TestRequestCancelledKeepsWaiting(t *testing.T) {
	os := &fakeAccess{listen: []bool{false}, explain: true}
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
	os := &fakeAccess{listen: []bool{true, true, true, false}}
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

// TestNamesFollowTheSystem: macOS 12 says "System Preferences › Security &
// Privacy", 13 and later "System Settings › Privacy & Security".
func TestNamesFollowTheSystem(t *testing.T) {
	for _, tc := range []struct {
		version string
		major   int
		path    string
		button  string
	}{
		{"12.7.4", 12, "System Preferences › Security & Privacy › Privacy › Input Monitoring", "Open System Preferences"},
		{"13.0", 13, "System Settings › Privacy & Security › Input Monitoring", "Open System Settings"},
		{"14.2.1\n", 14, "System Settings › Privacy & Security › Input Monitoring", "Open System Settings"},
		{"26.1", 26, "System Settings › Privacy & Security › Input Monitoring", "Open System Settings"},
		{"", 0, "System Settings › Privacy & Security › Input Monitoring", "Open System Settings"},
		{"banana", 0, "System Settings › Privacy & Security › Input Monitoring", "Open System Settings"},
	} {
		major, _ := MajorVersion(tc.version)
		if major != tc.major {
			t.Errorf("MajorVersion(%q) = %d, want %d", tc.version, major, tc.major)
		}
		s := SettingsFor(major)
		if got := s.Path("Input Monitoring"); got != tc.path {
			t.Errorf("%q: %q, want %q", tc.version, got, tc.path)
		}
		if got := s.OpenButton(); got != tc.button {
			t.Errorf("%q: button %q, want %q", tc.version, got, tc.button)
		}
		for _, text := range []string{Why(major), Hint(major), StaleHint(major)} {
			if !strings.Contains(text, tc.path) {
				t.Errorf("%q: %q does not name %q", tc.version, text, tc.path)
			}
		}
	}
}
