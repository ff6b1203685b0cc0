//go:build darwin

package macos

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ebitengine/purego"
)

// More CoreGraphics constants, from CGEventTypes.h.
const (
	kCGSessionEventTap          = 1 // CGEventTapLocation
	kCGHeadInsertEventTap       = 0 // CGEventTapPlacement
	kCGEventTapOptionListenOnly = 1 // CGEventTapOptions
	kCGKeyboardEventAutorepeat  = 8 // CGEventField: non-zero for auto-repeated key downs

	// kCFRunLoopRunFinished is what CFRunLoopRunInMode returns at once when
	// the mode has no sources or timers left (CFRunLoop.h).
	kCFRunLoopRunFinished = 1
)

// tapRecheck is how often a running tap re-checks that it is still trusted
// and enabled.
const tapRecheck = 5 * time.Second

// tapState is the running tap the C callback reports to. Only one tap runs
// at a time: purego callbacks are never freed, so there is exactly one.
type tapState struct {
	emit func(down bool)
	port atomic.Uintptr // the CFMachPortRef, for re-enabling
}

var (
	running     atomic.Pointer[tapState]
	tapCallback = sync.OnceValue(func() uintptr { return purego.NewCallback(onTapEvent) })
)

// onTapEvent is the CGEventTapCallBack:
//
//	CGEventRef (*)(CGEventTapProxy proxy, CGEventType type, CGEventRef event, void *userInfo)
//
// It passes on only whether a key went down or up. It never reads the key
// code or any other field that identifies the key; the one field it reads is
// the auto-repeat flag, so that holding a key counts as one press.
func onTapEvent(proxy uintptr, typ uint32, event uintptr, userInfo uintptr) uintptr {
	st := running.Load()
	if st == nil {
		return event
	}
	autorepeat := func() bool {
		return fw.CGEventGetIntegerValueField(event, kCGKeyboardEventAutorepeat) != 0
	}
	switch classify(typ, autorepeat) {
	case tapReenable:
		if port := st.port.Load(); port != 0 {
			fw.CGEventTapEnable(port, true)
		}
	case tapDown:
		st.emit(true)
	case tapUp:
		st.emit(false)
	}
	return event // ignored for listen-only taps
}

// RunKeyTap observes key-down and key-up events system-wide with a
// listen-only CGEventTap and calls emit for each (down true for a press)
// until ctx ends. emit runs on the tap's thread and must not block.
//
// It returns ErrNoAccess at once when Rogue has neither Input Monitoring
// nor Accessibility, and later if they are revoked; ErrTapRefused when
// macOS counts Rogue as allowed but makes no tap (a stale grant); nil when
// ctx ends.
func RunKeyTap(ctx context.Context, emit func(down bool)) error {
	if err := load(); err != nil {
		return err
	}
	if !HasKeyAccess() {
		return ErrNoAccess
	}
	st := &tapState{emit: emit}
	if !running.CompareAndSwap(nil, st) {
		return errors.New("macos: a key tap is already running")
	}
	defer running.Store(nil)
	errc := make(chan error, 1)
	go func() {
		// A run loop belongs to its thread. The thread is not unlocked, so
		// it exits with this goroutine and takes the run loop with it.
		runtime.LockOSThread()
		errc <- runTap(ctx, st)
	}()
	return <-errc
}

func runTap(ctx context.Context, st *tapState) error {
	mask := uint64(1)<<kCGEventKeyDown | uint64(1)<<kCGEventKeyUp
	port := fw.CGEventTapCreate(kCGSessionEventTap, kCGHeadInsertEventTap, kCGEventTapOptionListenOnly, mask, tapCallback(), 0)
	if port == 0 {
		return tapCreateFailed(fw.CGPreflightListenEventAccess(), fw.AXIsProcessTrusted())
	}
	defer fw.CFRelease(port)
	defer fw.CFMachPortInvalidate(port)
	st.port.Store(port)
	defer st.port.Store(0)

	src := fw.CFMachPortCreateRunLoopSource(0, port, 0)
	if src == 0 {
		return errors.New("macos: CFMachPortCreateRunLoopSource failed")
	}
	defer fw.CFRelease(src)
	rl := fw.CFRunLoopGetCurrent()
	mode := fw.kCFRunLoopDefaultMode
	fw.CFRunLoopAddSource(rl, src, mode)
	defer fw.CFRunLoopRemoveSource(rl, src, mode)
	fw.CGEventTapEnable(port, true)
	defer fw.CGEventTapEnable(port, false)

	// Wake the run loop as soon as ctx ends; stop trying once this thread's
	// run loop is gone.
	var mu sync.Mutex
	done := false
	defer func() { mu.Lock(); done = true; mu.Unlock() }()
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			fw.CFRunLoopStop(rl)
		}
	})
	defer stop()

	last := time.Now()
	for ctx.Err() == nil {
		// Run in slices of a second: a stop that arrives between two slices
		// is seen by the ctx check.
		if fw.CFRunLoopRunInMode(mode, 1.0, false) == kCFRunLoopRunFinished {
			// The tap's source is gone: the system invalidated its mach
			// port (CFMachPortInvalidate removes the source from every run
			// loop), e.g. when the window server restarted. Running the
			// empty mode again would return at once, a busy loop; the
			// agent makes a new tap after its back-off instead.
			return errors.New("macos: the key event tap was invalidated by the system")
		}
		if time.Since(last) < tapRecheck {
			continue
		}
		last = time.Now()
		if !HasKeyAccess() {
			return fmt.Errorf("%w: access was revoked", ErrNoAccess)
		}
		if !fw.CGEventTapIsEnabled(port) {
			fw.CGEventTapEnable(port, true)
		}
	}
	return nil
}
