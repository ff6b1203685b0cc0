package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

func TestLockSecondInstanceSeesFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", lockFile)
	first, err := acquireLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.release()
	_, err = acquireLock(path)
	var running *alreadyRunningError
	if !errors.As(err, &running) {
		t.Fatalf("second lock: %v, want alreadyRunningError", err)
	}
	if running.PID != os.Getpid() {
		t.Errorf("PID %d, want %d", running.PID, os.Getpid())
	}
	if want := "Rogue is already running (pid " + strconv.Itoa(os.Getpid()) + ")"; running.Error() != want {
		t.Errorf("message %q, want %q", running.Error(), want)
	}
	if err := first.release(); err != nil {
		t.Fatal(err)
	}
	again, err := acquireLock(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.release()
}

// TestLockStaleFromCrashIsTakenOver leaves a lock file written by a process
// that no longer runs (as after a crash or kill -9) and checks that the next
// start takes it over.
func TestLockStaleFromCrashIsTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), lockFile)
	// A real process that held the lock and died: flock from util-linux when
	// present, else a pid file without a holder.
	if flockBin, err := exec.LookPath("flock"); err == nil {
		cmd := exec.Command(flockBin, "-x", path, "true")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("flock: %v\n%s", err, out)
		}
	}
	os.WriteFile(path, []byte("999999\n"), 0o600)
	l, err := acquireLock(path)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	defer l.release()
	data, _ := os.ReadFile(path)
	if string(data) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file holds %q, want this pid", data)
	}
}

// TestLockHeldByOtherProcess: while another process holds the lock, the
// app reports that process's pid; once it is killed, the lock is taken
// over.
func TestLockHeldByOtherProcess(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock (util-linux) not installed")
	}
	path := filepath.Join(t.TempDir(), lockFile)
	os.WriteFile(path, []byte("4242\n"), 0o600)
	// The shell opens the file (appending: the pid stays), flock(1) locks
	// that descriptor and exits, and the shell, having waited for it,
	// becomes sleep: from then on sleep, the started process itself, is the
	// only holder, so once Wait has reaped it the kernel has dropped the
	// lock. (With "flock FILE sleep 30" a forked child also holds the
	// descriptor for a moment and may still be dying after flock is reaped.)
	cmd := exec.Command("sh", "-c", `exec 9>>"$1" && flock -x 9 && exec sleep 30`, "sh", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { cmd.Process.Kill(); cmd.Wait() }
	t.Cleanup(kill)
	testpeer.WaitFor(t, 30*time.Second, "sleep holds the lock", func() (bool, error) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
		if err != nil || strings.TrimSpace(string(comm)) != "sleep" {
			return false, err
		}
		f, err := os.Open(path)
		if err != nil {
			return false, err
		}
		defer f.Close()
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		return err != nil, err
	})
	_, err := acquireLock(path)
	var running *alreadyRunningError
	if !errors.As(err, &running) || running.PID != 4242 {
		t.Fatalf("err = %v, want already running with pid 4242", err)
	}
	kill()
	l, err := acquireLock(path)
	if err != nil {
		t.Fatalf("lock of a killed holder not taken over: %v", err)
	}
	l.release()
}

// TestLockDataReadOnlyFolder: a folder the user cannot write (a read-only
// copy to export from) is not locked and not refused; with create, the
// error is reported.
func TestLockDataReadOnlyFolder(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root writes into read-only folders")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if l, err := lockData(dir, 0, false); err != nil || l != nil {
		t.Errorf("lockData(read-only, no create) = %v, %v; want nil, nil", l, err)
	}
	if _, err := lockData(dir, 0, true); err == nil {
		t.Error("lockData(read-only, create) succeeded")
	}
}

// TestLockDataNamesTheHolder: the refusal names the holder's pid and
// command line.
func TestLockDataNamesTheHolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	first, err := lockData(dir, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer first.release()
	_, err = lockData(dir, 2*lockRetry, false)
	var inUse *dataInUseError
	if !errors.As(err, &inUse) || inUse.PID != os.Getpid() || inUse.Command != commandLine(os.Args) || inUse.Dir != dir {
		t.Fatalf("second lockData = %v", err)
	}
	first.release()
	again, err := lockData(dir, 0, false)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.release()
}

// TestDataInUseHintOnlyForForward: the hint that the app forwards by
// itself is for "rogue forward"; agent and export refuse without it.
func TestDataInUseHintOnlyForForward(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "db")
	held, err := lockData(prefix, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()
	oldData, oldCmd := dataLockWait, commandLockWait
	dataLockWait, commandLockWait = 2*lockRetry, 2*lockRetry
	t.Cleanup(func() { dataLockWait, commandLockWait = oldData, oldCmd })
	tests := []struct {
		args []string
		hint bool
	}{
		{[]string{"forward", "--server", "127.0.0.1:1", "--prefix", prefix}, true},
		{[]string{"export", "--prefix", prefix}, false},
		{[]string{"export", "--prefix", prefix, "--out", t.TempDir()}, false},
		{[]string{"agent", "--prefix", prefix}, false},
		{[]string{"agent", "--reset", "--prefix", prefix}, false},
	}
	for _, tt := range tests {
		code, _, errs := runCmd(t, tt.args...)
		if code != 1 || !strings.Contains(errs, "is in use by Rogue (pid") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and the holder", tt.args, code, errs)
		}
		if got := strings.Contains(errs, "forwards by itself"); got != tt.hint {
			t.Errorf("%v: stderr %q; forwarding hint %v, want %v", tt.args, errs, got, tt.hint)
		}
	}
}
