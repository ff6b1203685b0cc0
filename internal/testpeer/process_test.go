package testpeer

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	gosync "sync"
	"testing"
	"time"
)

// recorder is a testing.TB that records how a helper ended the test
// instead of ending it.
type recorder struct {
	testing.TB
	how string // "fatal", "skip" or ""
}

func (r *recorder) Fatalf(string, ...any) {
	if r.how == "" {
		r.how = "fatal"
	}
}

func (r *recorder) Skipf(string, ...any) {
	if r.how == "" {
		r.how = "skip"
	}
}

// TestNeedMissingProgramSkipsOrFailsUnderCI: a missing program skips the
// test on a developer's machine but fails it under CI, which installs every
// peer; a present one is found.
func TestNeedMissingProgramSkipsOrFailsUnderCI(t *testing.T) {
	for _, tt := range []struct {
		ci, program, want string
	}{
		{"", "rogue-no-such-program", "skip"},
		{"true", "rogue-no-such-program", "fatal"},
		{"true", "sh", ""},
	} {
		t.Run(fmt.Sprintf("CI=%q %s", tt.ci, tt.program), func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			p := Need(r, tt.program)
			if r.how != tt.want {
				t.Fatalf("Need(%s) with CI=%q: %q, want %q", tt.program, tt.ci, r.how, tt.want)
			}
			if tt.want == "" && p == "" {
				t.Fatalf("Need(%s) returned no path", tt.program)
			}
		})
	}
}

// TestProcessStopEndsChild: Stop ends a running child and
// reaps it; Stop again is harmless.
func TestProcessStopEndsChild(t *testing.T) {
	p := Start(t, exec.Command(Need(t, "sleep"), "60"))
	if _, ok := p.Exited(50 * time.Millisecond); ok {
		t.Fatal("sleep 60 exited at once")
	}
	p.Stop()
	if _, ok := p.Exited(0); !ok {
		t.Fatal("process still running after Stop")
	}
	p.Stop()
}

// TestBufferConcurrentWrites: writers and a reader at once lose nothing
// (and the race detector has nothing to say).
func TestBufferConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg gosync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("x"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := len(b.String()); n != 400 {
		t.Fatalf("%d bytes, want 400", n)
	}
}

// TestFreePortNeverRepeats: ports handed out in one process are distinct,
// even though the kernel may offer a closed port again at once.
func TestFreePortNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 200 {
		p := FreePort(t)
		if seen[p] {
			t.Fatalf("port %d returned twice", p)
		}
		seen[p] = true
	}
}

// TestFreePortIsListenable: the port returned can be listened on again.
func TestFreePortIsListenable(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		t.Fatalf("listen on port %d: %v", p, err)
	}
	l.Close()
}
