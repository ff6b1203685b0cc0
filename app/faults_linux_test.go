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
	"github.com/rogue-metrics/rogue/sync"
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

// TestAppSIGHUPStopsCleanly: SIGHUP ends the app like SIGTERM, exit 0 with
// the shutdown logged (it used to die with status 129, nothing logged).
func TestAppSIGHUPStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the rogue binary for a few seconds")
	}
	env := newTestEnv(t, nil)
	p := startHeadless(t, env, nil)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGHUP, want 0\n%s", code, p.out.String())
	}
	if !strings.Contains(p.out.String(), "Rogue stopped") {
		t.Errorf("no shutdown logged after SIGHUP:\n%s", p.out.String())
	}
	// A new install (no settings before) remembers a per-machine metric
	// prefix.
	s, err := loadSettings(filepath.Join(env.Config, "rogue", settingsFile), time.Now())
	host, _ := os.Hostname()
	if want := sync.HostPrefix(host); err != nil || want == "" || s.MetricPrefix != want {
		t.Errorf("settings after the first start: metric prefix %q, %v; want %q", s.MetricPrefix, err, want)
	}
}

// daemonsWithMark returns the pids of dbus-daemon, dbus-launch and
// gnome-keyring-daemon processes whose environment holds mark: the ones
// started on behalf of a process given that environment.
func daemonsWithMark(t *testing.T, mark string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		switch name := strings.TrimSpace(string(comm)); name {
		case "dbus-daemon", "dbus-launch", "gnome-keyring-d", "gnome-keyring-daemon":
			env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			if err == nil && bytes.Contains(env, []byte(mark)) {
				found = append(found, name+" (pid "+e.Name()+")")
			}
		}
	}
	return found
}

// TestHeadlessNeverAutolaunchesDBus: headless with a server and forwarding
// on, the app wants the API key; without a session bus it says that no
// keyring is available and goes on, and no dbus-daemon or
// gnome-keyring-daemon is left behind (the keyring library used to
// autolaunch both at every start, and they outlived Rogue).
func TestHeadlessNeverAutolaunchesDBus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the rogue binary for a few seconds")
	}
	testpeer.Need(t, "dbus-launch") // what godbus autolaunches with
	env := newTestEnv(t, nil)
	s := defaultSettings()
	s.Server = "http://127.0.0.1:9"
	s.Forwarding = true
	writeSettings(t, env, s)
	mark := "ROGUE_TEST_MARK=" + strconv.FormatInt(time.Now().UnixNano(), 36)
	p := startHeadless(t, env, []string{mark})
	testpeer.WaitFor(t, 20*time.Second, "the keyring outcome logged", func() (bool, error) {
		out := p.out.String()
		return strings.Contains(out, "no keyring is available") || strings.Contains(out, "Grok models"), nil
	})
	if !strings.Contains(p.out.String(), "no keyring is available") {
		t.Errorf("no word about the missing keyring:\n%s", p.out.String())
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	if left := daemonsWithMark(t, mark); len(left) > 0 {
		for _, d := range left {
			if pid, err := strconv.Atoi(strings.TrimSuffix(d[strings.LastIndex(d, " ")+1:], ")")); err == nil {
				syscall.Kill(pid, syscall.SIGTERM)
			}
		}
		t.Errorf("processes started for rogue and left behind: %v", left)
	}
}
