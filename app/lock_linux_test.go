package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/metric"
)

// startHeadless starts the app binary without a session bus on its own
// prefix and waits until its agent runs.
func startHeadless(t *testing.T, env *testEnv, extraEnv []string, args ...string) *rogueProcess {
	t.Helper()
	p := startRogue(t, env, extraEnv, append([]string{"--headless", "--interval", "1"}, args...)...)
	testpeer.WaitFor(t, 30*time.Second, "the agent running", func() (bool, error) {
		return strings.Contains(p.out.String(), "agent started"), nil
	})
	return p
}

// TestCommandsRefuseDataFolderInUse runs forward, export and agent --reset
// on the data folder of a running app: each refuses, naming the app's pid
// and command, sends nothing and removes nothing. (Before, a cron "rogue
// forward" sent lines twice and "agent --reset" deleted the files under
// the running app.)
func TestCommandsRefuseDataFolderInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the rogue binary for a few seconds")
	}
	env := newTestEnv(t, nil)
	prefix := filepath.Join(t.TempDir(), "db")
	app := startHeadless(t, env, nil, "--prefix", prefix)
	pid := app.Cmd.Process.Pid

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case conns <- struct{}{}:
			default:
			}
			c.Close()
		}
	}()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	// The app holds the folder for good: no point in waiting for it.
	oldData, oldCmd := dataLockWait, commandLockWait
	dataLockWait, commandLockWait = 200*time.Millisecond, 200*time.Millisecond
	t.Cleanup(func() { dataLockWait, commandLockWait = oldData, oldCmd })
	for _, args := range [][]string{
		{"forward", "--server", ln.Addr().String(), "--prefix", prefix},
		{"export", "--prefix", prefix},
		{"export", "--prefix", prefix, "--out", t.TempDir()},
		{"agent", "--reset", "--prefix", prefix},
	} {
		t.Run(args[0], func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(canceled, args, stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
			if code != 1 {
				t.Errorf("%v: exit %d, want 1\n%s%s", args, code, out.String(), errb.String())
			}
			msg := errb.String()
			for _, want := range []string{"in use by Rogue (pid " + strconv.Itoa(pid), "--headless", prefix} {
				if !strings.Contains(msg, want) {
					t.Errorf("%v: message lacks %q:\n%s", args, want, msg)
				}
			}
		})
	}
	select {
	case <-conns:
		t.Error("forward connected to the server although the app holds the data folder")
	default:
	}
	for _, m := range metric.All {
		if _, err := os.Stat(filepath.Join(prefix, m.Name+".rrd")); err != nil {
			t.Errorf("%s.rrd: %v", m.Name, err)
		}
	}
	// A second app on the same data folder (another config folder) refuses
	// too.
	env2 := newTestEnv(t, nil)
	second := startRogue(t, env2, nil, "--headless", "--prefix", prefix)
	if code := second.wait(t, 20*time.Second); code != 1 || !strings.Contains(second.out.String(), "pid "+strconv.Itoa(pid)) {
		t.Errorf("second app on the same prefix: exit %d\n%s", code, second.out.String())
	}
	app.Cmd.Process.Signal(syscall.SIGTERM)
	if code := app.wait(t, 20*time.Second); code != 0 {
		t.Errorf("app exit %d", code)
	}
	// Once the app is gone, the folder is free.
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"export", "--prefix", prefix}, stdio{In: strings.NewReader(""), Out: &out, Err: &errb}); code != 0 {
		t.Errorf("export after the app stopped: exit %d\n%s", code, errb.String())
	}
}
