package testpeer

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	gosync "sync"
	"syscall"
	"testing"
	"time"
)

// Need returns the path of an external program the test drives, or skips
// the test when it is missing (fails it when CI is set, since CI installs
// it).
func Need(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not installed (scripts/test.sh installs it): %v", name, err)
		}
		tb.Skipf("%s is not installed: %v", name, err)
	}
	return p
}

// given holds the ports FreePort has handed out in this process.
var given struct {
	gosync.Mutex
	ports map[int]bool
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that FreePort has not returned before in this process: the kernel may
// hand out a port again as soon as it is closed, and a test asking for
// several ports (Carbon's line, pickle and query ports) needs them distinct.
func FreePort(tb testing.TB) int {
	tb.Helper()
	given.Lock()
	defer given.Unlock()
	if given.ports == nil {
		given.ports = map[int]bool{}
	}
	for range 1000 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !given.ports[port] {
			given.ports[port] = true
			return port
		}
	}
	tb.Fatal("no fresh free port in 1000 attempts")
	return 0
}

// ShortTempDir returns a fresh folder with a short path (unix socket paths
// are limited to 108 bytes), removed at cleanup.
func ShortTempDir(tb testing.TB, prefix string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// WaitFor polls cond every 50 ms until it reports true, and fails the test
// with what and cond's last error once timeout has passed.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		select {
		case <-ctx.Done():
			tb.Fatalf("%s: not within %v (last error: %v)", what, timeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Process is a started child process.
type Process struct {
	Cmd *exec.Cmd

	stopSig os.Signal     // first signal Stop sends
	grace   time.Duration // how long Stop waits before SIGKILL
	done    chan struct{} // closed when the process has exited and been reaped
	err     error         // Wait's result, set before done is closed
}

// Start starts cmd, with the kernel killing it should the test binary die
// (on Linux), and arranges for it to be stopped at cleanup.
func Start(tb testing.TB, cmd *exec.Cmd) *Process {
	tb.Helper()
	return start(tb, cmd, os.Interrupt, 5*time.Second)
}

func start(tb testing.TB, cmd *exec.Cmd, stopSig os.Signal, grace time.Duration) *Process {
	tb.Helper()
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &Process{Cmd: cmd, stopSig: stopSig, grace: grace, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(p.Stop)
	return p
}

// Exited returns Wait's result once the process has exited, or false after
// timeout.
func (p *Process) Exited(timeout time.Duration) (error, bool) {
	select {
	case <-p.done: // first on its own: select picks at random among ready cases
		return p.err, true
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.err, true
	case <-t.C:
		return nil, false
	}
}

// Stop ends the process (SIGINT, or the process's own stop signal), then
// SIGKILL after a grace period, and reaps it. A process started in its own
// process group is signalled as a group.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.signal(p.stopSig)
	if _, ok := p.Exited(p.grace); !ok {
		p.signal(syscall.SIGKILL)
		<-p.done
	}
}

func (p *Process) signal(sig os.Signal) {
	if a := p.Cmd.SysProcAttr; a != nil && a.Setpgid {
		if s, ok := sig.(syscall.Signal); ok {
			syscall.Kill(-p.Cmd.Process.Pid, s)
			return
		}
	}
	p.Cmd.Process.Signal(sig)
}

// Buffer is a bytes.Buffer safe for a child process writing to it while a
// test reads it.
type Buffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Kill ends the process at once with SIGKILL (its group, when it has its
// own) and reaps it: a crash, with no chance to clean up.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.signal(syscall.SIGKILL)
	<-p.done
}
