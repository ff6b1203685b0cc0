package rrd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func nan() float64 { return math.NaN() }

const lockChildEnv = "RRD_LOCK_CHILD_PATH"

// lockChild takes rrdtool's write lock on the file at p and holds it
// until its standard input closes.
func lockChild(p string) {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if busy, err := tryLock(f.Fd(), true); busy || err != nil {
		fmt.Fprintln(os.Stderr, "lock:", busy, err)
		os.Exit(4)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
}

// TestUpdateWaitsForForeignLock: while another process holds the fcntl
// write lock, Update retries for LockTimeout and then fails with ErrLocked
// without touching the file; once the lock is gone it succeeds.
func TestUpdateWaitsForForeignLock(t *testing.T) {
	p := newTestFile(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+p)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("lock child: %q %v", line, err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := LockTimeout
	LockTimeout = 300 * time.Millisecond
	defer func() { LockTimeout = old }()
	before, _ := os.ReadFile(p)
	s := Sample{Time: time.Unix(1700000005, 0), Values: []float64{1, 1, 1, 1}}
	t0 := time.Now()
	err = f.Update(s)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Update under a foreign lock: %v, want ErrLocked", err)
	}
	if waited := time.Since(t0); waited < LockTimeout {
		t.Fatalf("Update gave up after %v, before LockTimeout", waited)
	}
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Fatal("Update changed a locked file")
	}
	if _, err := f.Fetch(Average, time.Unix(1699990000, 0), time.Unix(1700000000, 0), 0); !errors.Is(err, ErrLocked) {
		t.Fatalf("Fetch under a foreign write lock: %v, want ErrLocked", err)
	}
	// rrdtool sees the lock too.
	if _, err := exec.LookPath("rrdtool"); err == nil {
		if _, err := rrdtoolErr("update", p, "1700000005:1:1:1:1"); err == nil || !strings.Contains(err.Error(), "could not lock") {
			t.Fatalf("rrdtool update under the lock: %v, want could not lock", err)
		}
	}
	// Release while Update is retrying: it must then succeed.
	LockTimeout = 5 * time.Second
	go func() { time.Sleep(100 * time.Millisecond); stdin.Close() }()
	if err := f.Update(s); err != nil {
		t.Fatalf("Update after the lock was released: %v", err)
	}
}

// TestRRDToolSeesRogueLock: the lock Rogue takes is the one rrdtool checks.
func TestRRDToolSeesRogueLock(t *testing.T) {
	needRRDTool(t)
	p := newTestFile(t)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.lock(true); err != nil {
		t.Fatal(err)
	}
	_, uerr := rrdtoolErr("update", p, "1700000005:1:1:1:1")
	_, ferr := rrdtoolErr("fetch", p, "AVERAGE", "-s", "1699990000", "-e", "1700000000")
	f.unlock()
	if uerr == nil || !strings.Contains(uerr.Error(), "could not lock") {
		t.Fatalf("rrdtool update while Rogue holds the lock: %v, want could not lock", uerr)
	}
	if ferr == nil || !strings.Contains(ferr.Error(), "could not lock") {
		t.Fatalf("rrdtool fetch while Rogue holds the lock: %v, want could not lock", ferr)
	}
	rrdtool(t, "update", p, "1700000005:1:1:1:1")
	if lu, err := f.LastUpdate(); err != nil || lu.Unix() != 1700000005 {
		t.Fatalf("LastUpdate after rrdtool's update: %v %v", lu, err)
	}
}

// TestConcurrentFilesOneProcess: several File values for one file in one
// process (agent writing, sync reading) do not release each other's lock
// or see torn state.
func TestConcurrentFilesOneProcess(t *testing.T) {
	p := newTestFile(t)
	w, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	done := make(chan error)
	for g := 0; g < 3; g++ {
		go func() {
			r, err := Open(p)
			if err != nil {
				done <- err
				return
			}
			defer r.Close()
			for i := 0; i < 200; i++ {
				if _, err := r.Fetch(Average, time.Unix(1699999000, 0), time.Unix(1700010000, 0), 0); err != nil {
					done <- err
					return
				}
				if _, err := r.Info(); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	t0 := time.Unix(1700000000, 0)
	for i := 1; i <= 500; i++ {
		if err := w.Update(Sample{Time: t0.Add(time.Duration(i) * 3 * time.Second), Values: []float64{1, float64(i), float64(i), 1}}); err != nil {
			t.Fatal(err)
		}
	}
	for g := 0; g < 3; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if lu, _ := w.LastUpdate(); lu.Unix() != 1700001500 {
		t.Fatalf("LastUpdate = %v", lu)
	}
}
