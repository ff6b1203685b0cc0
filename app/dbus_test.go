package main

// Test helpers for the menu-bar app's tests: a fresh HOME for a rogue
// process and the rogue binary itself. The peers (session bus, keyring,
// Carbon, Xvfb) come from internal/testpeer.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// testEnv is a fresh home for a rogue process: HOME and the XDG folders in a
// temp dir, the test's session bus, nothing of the developer's desktop.
type testEnv struct {
	Home    string
	Config  string // $XDG_CONFIG_HOME
	Data    string // $XDG_DATA_HOME
	State   string // $XDG_STATE_HOME
	Runtime string // $XDG_RUNTIME_DIR
	Bus     *testpeer.Bus
}

func newTestEnv(t testing.TB, bus *testpeer.Bus) *testEnv {
	t.Helper()
	home := t.TempDir()
	e := &testEnv{
		Home:    home,
		Config:  filepath.Join(home, ".config"),
		Data:    filepath.Join(home, ".local", "share"),
		State:   filepath.Join(home, ".local", "state"),
		Runtime: testpeer.ShortTempDir(t, "rogue-run"),
		Bus:     bus,
	}
	for _, d := range []string{e.Config, e.Data, e.State} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(e.Runtime, 0o700)
	return e
}

// Environ is the environment for a child process: the parent's PATH and
// little else.
func (e *testEnv) Environ() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.Home,
		"XDG_CONFIG_HOME=" + e.Config,
		"XDG_DATA_HOME=" + e.Data,
		"XDG_STATE_HOME=" + e.State,
		"XDG_RUNTIME_DIR=" + e.Runtime,
		"LANG=C.UTF-8",
	}
	if e.Bus != nil {
		env = append(env, "DBUS_SESSION_BUS_ADDRESS="+e.Bus.Addr)
	} else {
		env = append(env, "DBUS_SESSION_BUS_ADDRESS=")
	}
	return env
}

// Setenv points this process at the environment (for in-process code such
// as the keyring, which uses the shared session bus connection).
func (e *testEnv) Setenv(t *testing.T) {
	for _, kv := range e.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
}

var (
	buildOnce gosync.Once
	builtBin  string
	buildErr  error
)

// rogueBinary builds the rogue command once per test run.
func rogueBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rogue-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "rogue")
		cmd := exec.Command("go", "build", "-ldflags=-X main.version=test", "-o", builtBin, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}
