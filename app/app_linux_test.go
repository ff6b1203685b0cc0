package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
	"github.com/rogue-metrics/rogue/sync"
	"github.com/rogue-metrics/rogue/tray"
)

// writeSettings writes a settings file for env before the app starts.
func writeSettings(t testing.TB, env *testEnv, s settings) string {
	t.Helper()
	path := filepath.Join(env.Config, "rogue", settingsFile)
	if err := s.save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// rogueProcess is a running rogue binary.
type rogueProcess struct {
	*testpeer.Process
	out *testpeer.Buffer
}

// startRogue runs the rogue binary in env with extra environment and args.
func startRogue(t testing.TB, env *testEnv, extraEnv []string, args ...string) *rogueProcess {
	t.Helper()
	cmd := exec.Command(rogueBinary(t), args...)
	cmd.Env = append(env.Environ(), extraEnv...)
	out := &testpeer.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	proc := testpeer.Start(t, cmd)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("rogue output:\n%s", out.String())
		}
	})
	return &rogueProcess{Process: proc, out: out}
}

// wait waits for the process to exit and returns its exit code.
func (p *rogueProcess) wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	err, ok := p.Exited(timeout)
	if !ok {
		t.Fatalf("rogue did not exit within %v", timeout)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("rogue: %v", err)
	}
	return 0
}

// metricRows maps each metric's display name to its row's sparkline and
// value (without the padding), reading rows as tray.MetricTitle writes
// them: "<sparkline>  <padded value>  <name>[  <mark>]".
func metricRows(entries []menuEntry) map[string][2]string {
	rows := map[string][2]string{}
	for _, e := range entries {
		parts := strings.Split(e.Label, "  ")
		if len(parts) < 3 {
			continue
		}
		for _, m := range metric.All {
			if parts[2] == m.Display {
				value := strings.TrimLeft(parts[1], string([]rune{tray.FigureSpace, tray.PunctuationSpace}))
				rows[m.Display] = [2]string{parts[0], value}
			}
		}
	}
	return rows
}

// typeKeys types into the X display until ctx is done, so that the key
// metrics have values.
func typeKeys(ctx context.Context, display string) {
	bin, err := exec.LookPath("xdotool")
	if err != nil {
		return
	}
	for ctx.Err() == nil {
		cmd := exec.CommandContext(ctx, bin, "type", "--delay", "40", "the quick brown fox ")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		cmd.Run()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestAppMenuOverDBus runs the rogue binary against its own D-Bus session
// bus, X server and Carbon cache, and drives its menu over
// com.canonical.dbusmenu as a tray host would: the metric rows fill in, "Forward to
// Grok" delivers points to Carbon, "Export CSV…" writes a folder, "Start at
// Login" creates and removes the autostart entry, "Grok Server…" without a
// dialog program says what to do, a second rogue defers to the first, and
// "Quit" stops cleanly with every file readable.
func TestAppMenuOverDBus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon, Xvfb, carbon-cache and rogue (about 20 s)")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	display := testpeer.Xvfb(t, "320x240x24")
	cb := testpeer.StartCarbon(t, "1s:1d,60s:14d")
	if err := os.MkdirAll(filepath.Join(env.Home, "Documents"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := defaultSettings()
	s.Interval = 1
	s.Server = "http://127.0.0.1"
	s.Port = cb.Port
	settingsPath := writeSettings(t, env, s)
	noDialogs := t.TempDir() // a PATH without zenity or xdg-open

	p := startRogue(t, env, []string{"DISPLAY=" + display, "PATH=" + noDialogs}, "--interval", "1")
	conn := bus.Conn(t)
	item := findTrayItem(t, conn, p.Cmd.Process.Pid, 30*time.Second)
	t0 := time.Now()
	t.Logf("tray item on the bus")

	if v, err := item.property("Title"); err != nil || v.Value() != "Rogue" {
		t.Errorf("item Title = %v, %v; want Rogue", v, err)
	}
	if v, err := item.property("IconPixmap"); err != nil || !strings.Contains(fmt.Sprint(v.Value()), "48 48") {
		t.Errorf("item IconPixmap = %.60v…, %v; want a 48×48 icon", v, err)
	}

	ctx, stopTyping := context.WithCancel(context.Background())
	typed := make(chan struct{})
	go func() { typeKeys(ctx, display); close(typed) }()
	t.Cleanup(func() { stopTyping(); <-typed })

	// Every metric row with a sparkline and a value.
	var rows map[string][2]string
	lastLog := time.Now()
	testpeer.WaitFor(t, 30*time.Second, "every metric row with a value and a sparkline", func() (bool, error) {
		entries, err := item.layout()
		if err != nil {
			return false, err
		}
		rows = metricRows(entries)
		for _, m := range metric.All {
			r, ok := rows[m.Display]
			if !ok || r[1] == tray.Unknown || !strings.ContainsAny(r[0], "▁▂▃▄▅▆▇█") {
				if time.Since(lastLog) > 5*time.Second {
					lastLog = time.Now()
					t.Logf("waiting for row %q = %q", m.Display, r)
				}
				return false, fmt.Errorf("row %q = %q in%s", m.Display, r, labels(entries))
			}
		}
		return true, nil
	})
	t.Logf("%.1f s: rows", time.Since(t0).Seconds())
	for _, m := range metric.All {
		r := rows[m.Display]
		if n := len([]rune(r[0])); n < 30 {
			t.Errorf("%s sparkline %q has %d samples, want at least 30", m.Display, r[0], n)
		}
	}
	if !strings.HasSuffix(rows["CPU"][1], "%") || !strings.HasSuffix(rows["Network in"][1], "B/s") ||
		!strings.HasSuffix(rows["Typing speed"][1], "/min") || !strings.HasSuffix(rows["Keys"][1], "/min") ||
		!strings.HasSuffix(rows["Key hold"][1], " ms") {
		t.Errorf("values not in human units: %q", rows)
	}

	// Forward to Grok: off at first, with the status line hidden; on, points
	// reach Carbon and the status line says so.
	fwd, err := item.entry("Forward to Grok")
	if err != nil || fwd.Toggle != "checkmark" || fwd.Checked {
		t.Fatalf("Forward to Grok = %+v, %v; want an unchecked checkbox", fwd, err)
	}
	if e, err := item.entry("Sent "); err == nil {
		t.Fatalf("status line %q before forwarding was turned on", e.Label)
	}
	item.click(t, "Forward to Grok")
	item.waitEntry(t, "Forward to Grok", 30*time.Second, "Forward to Grok checked", func(e menuEntry) bool { return e.Checked })
	status := item.waitEntry(t, "Sent ", 30*time.Second, "status line saying points were sent", func(menuEntry) bool { return true })
	if !strings.Contains(status.Label, "pending") || status.Enabled {
		t.Errorf("status line %+v, want a disabled \"Sent … · N pending\"", status)
	}
	testpeer.WaitFor(t, 30*time.Second, "CPUPercent.wsp in Carbon's storage", func() (bool, error) {
		fi, err := os.Stat(filepath.Join(cb.DataDir, "CPUPercent.wsp"))
		return err == nil && fi.Size() > 0, err
	})
	if fetch, err := exec.LookPath("whisper-fetch"); err == nil {
		out, err := exec.Command(fetch, "--from="+strconv.FormatInt(time.Now().Add(-5*time.Minute).Unix(), 10),
			filepath.Join(cb.DataDir, "CPUPercent.wsp")).Output()
		if err != nil || !strings.ContainsFunc(strings.ReplaceAll(string(out), "None", ""), func(r rune) bool { return r == '.' }) {
			t.Errorf("whisper-fetch: %v; no CPU values in Carbon:\n%s", err, out)
		}
	}

	t.Logf("%.1f s: forwarded", time.Since(t0).Seconds())
	// Export CSV… into a new dated folder under ~/Documents, once key
	// timings are stored (the rows show live values long before).
	prefix0 := filepath.Join(env.Data, "rogue", "db")
	testpeer.WaitFor(t, 30*time.Second, "a stored KeyHold value", func() (bool, error) {
		f, err := rrd.Open(filepath.Join(prefix0, "KeyHold.rrd"))
		if err != nil {
			return false, err
		}
		defer f.Close()
		res, err := f.Fetch(rrd.Average, time.Now().Add(-time.Minute), time.Now(), time.Second)
		if err != nil {
			return false, err
		}
		for _, r := range res.Rows {
			if !math.IsNaN(r[0]) {
				return true, nil
			}
		}
		return false, nil
	})
	// Export CSV… into a new dated folder under ~/Documents.
	item.click(t, "Export CSV…")
	done := item.waitEntry(t, "Exported to ", 60*time.Second, "export finished", func(menuEntry) bool { return true })
	dir := filepath.Join(env.Home, strings.TrimPrefix(done.Label, "Exported to ~/"))
	if filepath.Dir(dir) != filepath.Join(env.Home, "Documents") || !strings.HasPrefix(filepath.Base(dir), "Rogue export ") {
		t.Errorf("export folder %q, want a new \"Rogue export …\" folder in ~/Documents", dir)
	}
	for _, name := range []string{sync.CombinedName, "CPUPercent.csv", "KeyHold.csv"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || bytes.Count(data, []byte("\n")) < 2 {
			t.Errorf("export %s: %v, %d lines; want a header and rows", name, err, bytes.Count(data, []byte("\n")))
		}
	}

	t.Logf("%.1f s: exported", time.Since(t0).Seconds())
	stopTyping()
	// Start at Login creates and removes the autostart entry.
	desktop := filepath.Join(env.Config, "autostart", "rogue.desktop")
	item.click(t, "Start at Login")
	item.waitEntry(t, "Start at Login", 30*time.Second, "Start at Login checked", func(e menuEntry) bool { return e.Checked })
	data, err := os.ReadFile(desktop)
	if err != nil || !strings.Contains(string(data), "Exec=\""+rogueBinary(t)+"\"") {
		t.Errorf("autostart entry: %v\n%s", err, data)
	}
	item.click(t, "Start at Login")
	item.waitEntry(t, "Start at Login", 30*time.Second, "Start at Login unchecked", func(e menuEntry) bool { return !e.Checked })
	if _, err := os.Stat(desktop); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("autostart entry still there after unchecking: %v", err)
	}

	// Grok Server… without zenity tells the user what to run instead.
	item.click(t, "Grok Server")
	item.waitEntry(t, "Set it in a terminal: rogue login --server URL", 30*time.Second, "the rogue login hint", func(menuEntry) bool { return true })

	// Without xdg-open or zenity, the data folder and About answer in the
	// menu itself; the key statistics line is always there.
	item.click(t, "Open Data Folder")
	item.waitEntry(t, "Could not open the data folder", 30*time.Second, "the data folder's failure", func(menuEntry) bool { return true })
	item.click(t, "About Rogue test")
	item.waitEntry(t, "Rogue test · data in ", 30*time.Second, "the About line", func(menuEntry) bool { return true })
	item.waitEntry(t, "Timings only, never which keys", 30*time.Second, "the key statistics line", func(e menuEntry) bool { return !e.Enabled })

	// A second rogue says so and exits 0.
	second := exec.Command(rogueBinary(t), "--interval", "1")
	second.Env = env.Environ()
	out, err := second.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprintf("Rogue is already running (pid %d)", p.Cmd.Process.Pid) {
		t.Errorf("second rogue: %v, %q", err, out)
	}

	t.Logf("%.1f s: login item, server, second instance", time.Since(t0).Seconds())
	// Quit stops cleanly.
	item.clickQuit(t, "Quit Rogue")
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d after Quit, want 0", code)
	}
	if o := p.out.String(); strings.Contains(o, "panic") || strings.Contains(o, "level=ERROR") {
		t.Errorf("output has errors:\n%s", o)
	}
	saved, err := loadSettings(settingsPath, time.Now())
	if err != nil || !saved.Forwarding || saved.Port != cb.Port {
		t.Errorf("settings after quit: %+v, %v; want forwarding remembered", saved, err)
	}
	prefix := filepath.Join(env.Data, "rogue", "db")
	for _, m := range metric.All {
		f, err := rrd.Open(filepath.Join(prefix, m.Name+".rrd"))
		if err != nil {
			t.Errorf("%s.rrd unreadable after quit: %v", m.Name, err)
			continue
		}
		if last, err := f.LastUpdate(); err != nil || time.Since(last) > time.Minute {
			t.Errorf("%s.rrd last update %v, %v", m.Name, last, err)
		}
		f.Close()
	}
	c, err := sync.ReadCursor(sync.CursorPath(prefix, "CPUPercent", sync.Grok))
	if err != nil || c.IsZero() {
		t.Errorf("CPUPercent cursor after forwarding: %v, %v", c, err)
	}
}

// TestAppHeadlessWithoutSessionBus checks the README's run command on a
// server: no D-Bus session bus, so one line says so and collection goes on;
// SIGTERM then stops it with exit 0.
func TestAppHeadlessWithoutSessionBus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the rogue binary for a few seconds")
	}
	env := newTestEnv(t, nil)
	start := time.Now()
	p := startRogue(t, env, nil, "--interval", "1")
	prefix := filepath.Join(env.Data, "rogue", "db")
	testpeer.WaitFor(t, 30*time.Second, "a sample in CPUPercent.rrd", func() (bool, error) {
		f, err := rrd.Open(filepath.Join(prefix, "CPUPercent.rrd"))
		if err != nil {
			return false, err
		}
		defer f.Close()
		last, err := f.LastUpdate()
		return err == nil && last.After(start.Add(time.Second)), err
	})
	testpeer.WaitFor(t, 10*time.Second, "the agent running", func() (bool, error) {
		return strings.Contains(p.out.String(), "agent started"), nil
	})
	var line string
	for l := range strings.Lines(p.out.String()) {
		if strings.HasPrefix(l, "rogue: ") {
			if line != "" {
				t.Errorf("more than one line about the menu:\n%s%s", line, l)
			}
			line = l
		}
	}
	if !strings.Contains(line, "no D-Bus session bus") || !strings.Contains(line, "running without a menu") {
		t.Errorf("headless line = %q", line)
	}
	// Forwarding is off by default: one line says so and how to turn it on
	// without a menu.
	testpeer.WaitFor(t, 10*time.Second, "the start logged", func() (bool, error) {
		return strings.Contains(p.out.String(), "Rogue started"), nil
	})
	settingsPath := filepath.Join(env.Config, "rogue", settingsFile)
	if n := strings.Count(p.out.String(), "forwarding is off"); n != 1 {
		t.Errorf("%d lines say forwarding is off, want 1:\n%s", n, p.out.String())
	}
	for l := range strings.Lines(p.out.String()) {
		if strings.Contains(l, "forwarding is off") && (!strings.Contains(l, `\"forwarding\": true`) || !strings.Contains(l, settingsPath)) {
			t.Errorf("forwarding line lacks the settings field or path %s: %q", settingsPath, l)
		}
	}
	p.Cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGINT, want 0\n%s", code, p.out.String())
	}
}

// TestAppCorruptSettingsWarnsInMenu starts rogue over a torn settings file:
// the file is kept aside, defaults are used, and the menu shows a warning.
func TestAppCorruptSettingsWarnsInMenu(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon and rogue")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	path := filepath.Join(env.Config, "rogue", settingsFile)
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte(`{"interval": 1, "server": "https://gr`), 0o600)
	p := startRogue(t, env, nil, "--interval", "1")
	item := findTrayItem(t, bus.Conn(t), p.Cmd.Process.Pid, 30*time.Second)
	w := item.waitEntry(t, "⚠ Settings could not be read", 30*time.Second, "settings warning", func(menuEntry) bool { return true })
	if !strings.Contains(w.Label, "settings.json.bad-") {
		t.Errorf("warning %q does not say where the file went", w.Label)
	}
	matches, _ := filepath.Glob(path + ".bad-*")
	if len(matches) != 1 {
		t.Fatalf("kept-aside files: %v", matches)
	}
	if data, _ := os.ReadFile(matches[0]); string(data) != `{"interval": 1, "server": "https://gr` {
		t.Errorf("kept-aside file changed: %q", data)
	}
	// SIGTERM (a logout, systemd) stops it as cleanly as Quit.
	p.Cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(p.out.String(), "Rogue stopped") {
		t.Errorf("no clean stop logged:\n%s", p.out.String())
	}
}

// answerDialog waits for a zenity window titled title on display, types
// text into it and presses Return, as the user would.
func answerDialog(t testing.TB, display, title, text string) {
	t.Helper()
	xdotool := testpeer.Need(t, "xdotool")
	run := func(args ...string) string {
		cmd := exec.Command(xdotool, args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("xdotool %v: %v\n%s", args[0], err, out)
		}
		return strings.TrimSpace(string(out))
	}
	var win string
	testpeer.WaitFor(t, 20*time.Second, "the "+title+" dialog", func() (bool, error) {
		cmd := exec.Command(xdotool, "search", "--onlyvisible", "--name", title)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.Output()
		win, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
		return err == nil && win != "", err
	})
	time.Sleep(300 * time.Millisecond) // let GTK map the entry
	run("windowfocus", "--sync", win)
	run("key", "--window", win, "ctrl+a")
	run("type", "--window", win, "--delay", "20", text)
	run("key", "--window", win, "Return")
}

// closeDialog waits for a zenity window titled title on display and
// presses Return in it (OK).
func closeDialog(t testing.TB, display, title string) {
	t.Helper()
	xdotool := testpeer.Need(t, "xdotool")
	var win string
	testpeer.WaitFor(t, 20*time.Second, "the "+title+" dialog", func() (bool, error) {
		cmd := exec.Command(xdotool, "search", "--onlyvisible", "--name", title)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.Output()
		win, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
		return err == nil && win != "", err
	})
	time.Sleep(300 * time.Millisecond)
	for _, args := range [][]string{{"windowfocus", "--sync", win}, {"key", "--window", win, "Return"}} {
		cmd := exec.Command(xdotool, args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %s: %v\n%s", args[0], err, out)
		}
	}
	testpeer.WaitFor(t, 20*time.Second, "the "+title+" dialog closed", func() (bool, error) {
		cmd := exec.Command(xdotool, "search", "--onlyvisible", "--name", title)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := cmd.Output()
		return strings.TrimSpace(string(out)) == "", nil
	})
}

// TestAppGrokServerDialog chooses the Grok server through the menu: zenity
// asks for the URL and the key (answered with xdotool on Xvfb), the app
// checks the key with a server, stores it in a real GNOME Keyring and the
// URL in the settings. A refused key changes nothing. Afterwards the key is
// nowhere in the settings, logs, data folder or the app's output.
func TestAppGrokServerDialog(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon, gnome-keyring, Xvfb, zenity and rogue")
	}
	testpeer.Need(t, "zenity")
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	testpeer.Keyring(t, env.Bus, env.Environ())
	display := testpeer.Xvfb(t, "800x600x24")
	const good, bad = "grok-key-GOOD-8f14e45fceea167a", "grok-key-BAD-c9f0f895fb98ab91"
	grok := fakeGrok(t, good)
	s := defaultSettings()
	s.Interval = 1
	writeSettings(t, env, s)

	p := startRogue(t, env, []string{"DISPLAY=" + display}, "--interval", "1")
	item := findTrayItem(t, bus.Conn(t), p.Cmd.Process.Pid, 30*time.Second)

	// A refused key: nothing is stored.
	item.click(t, "Grok Server…")
	answerDialog(t, display, "Grok Server", grok.URL)
	answerDialog(t, display, "API key for", bad)
	item.waitEntry(t, "Server not changed", 20*time.Second, "the refusal under Grok Server…", func(menuEntry) bool { return true })
	// ...and at once in a dialog, closed with Return.
	closeDialog(t, display, "Rogue — Grok Server")
	lookup := func() string {
		cmd := exec.Command(testpeer.Need(t, "secret-tool"), "lookup", "service", keyringService, "username", grok.URL)
		cmd.Env = env.Environ()
		out, _ := cmd.Output()
		return string(out)
	}
	if got := lookup(); got != "" {
		t.Fatalf("a refused key was stored: %q", got)
	}

	// The right key: stored, and the server saved.
	item.click(t, "Grok Server…")
	answerDialog(t, display, "Grok Server", grok.URL)
	answerDialog(t, display, "API key for", good)
	item.waitEntry(t, "Key accepted — turn on Forward to Grok", 20*time.Second, "the outcome under Grok Server…", func(menuEntry) bool { return true })
	closeDialog(t, display, "Rogue — Grok Server")
	u, _ := url.Parse(grok.URL)
	item.waitEntry(t, "Grok Server: "+u.Hostname()+":2003…", 30*time.Second, "the server item with host and port", func(menuEntry) bool { return true })
	if got := lookup(); got != good {
		t.Errorf("keyring holds %q for %s, want the key", got, grok.URL)
	}
	saved, err := loadSettings(filepath.Join(env.Config, "rogue", settingsFile), time.Now())
	if err != nil || saved.Server != grok.URL {
		t.Errorf("settings %+v, %v; want server %s", saved, err, grok.URL)
	}

	item.clickQuit(t, "Quit Rogue")
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	assertNoSecrets(t, []string{good, bad}, map[string]string{"rogue output": p.out.String()}, env.Home)
}

// TestAppUnmovableSettingsNeverOverwritten starts rogue over a settings file
// it can neither use nor move aside: the menu warns, and toggling
// forwarding changes the setting for this run without overwriting the file.
func TestAppUnmovableSettingsNeverOverwritten(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon and rogue")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	path := filepath.Join(env.Config, "rogue", settingsFile)
	os.MkdirAll(filepath.Dir(path), 0o700)
	const content = `{"interval": "every now and then", "server": "http://127.0.0.1", "port": 9}`
	os.WriteFile(path, []byte(content), 0o600)
	// Every name it could be kept under in the next minute is taken by a
	// non-empty folder, so the rename fails, for root too.
	now := time.Now()
	for i := -2; i < 60; i++ {
		aside := path + ".bad-" + now.Add(time.Duration(i)*time.Second).UTC().Format("20060102T150405Z")
		os.MkdirAll(filepath.Join(aside, "x"), 0o700)
	}
	p := startRogue(t, env, nil, "--interval", "1")
	item := findTrayItem(t, bus.Conn(t), p.Cmd.Process.Pid, 30*time.Second)
	// One field of the wrong type: it takes its default, the warning names
	// it, and since no copy of the file can be kept, nothing is saved.
	item.waitEntry(t, `⚠ Settings: "interval" not valid, default used; changes are not saved`, 30*time.Second, "warning", func(menuEntry) bool { return true })
	item.click(t, "Forward to Grok")
	item.waitEntry(t, "Forward to Grok", 30*time.Second, "Forward to Grok checked", func(e menuEntry) bool { return e.Checked })
	item.clickQuit(t, "Quit Rogue")
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if data, _ := os.ReadFile(path); string(data) != content {
		t.Errorf("the unreadable settings file was overwritten: %q", data)
	}
}

// TestSetServerDropsTheOldServersPin: a fingerprint pinned for one server
// is that server's certificate. Choosing another server in the menu must
// not check the new one against it (every other server was refused as "not
// the pinned one", so the server could not be changed from the menu);
// entering the same server again keeps the pin.
func TestSetServerDropsTheOldServersPin(t *testing.T) {
	// No session bus: the key cannot be stored, so a check that passed
	// ends in "Could not store the key" and nothing reaches a real keyring.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "[]")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, oldServer, wantErr string
	}{
		{"OtherServerBefore", "https://old.example.com", "Could not store the key"},
		{"NoServerBefore", "", "Could not store the key"},
		{"SameServerKeepsPin", srv.URL, "pinned"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := defaultSettings()
			s.Server, s.CAFile, s.PinSHA256 = tt.oldServer, caFile, strings.Repeat("ab", 32)
			fwd, err := sync.NewForwarder(sync.ForwardConfig{Prefix: t.TempDir(), Server: s.Server})
			if err != nil {
				t.Fatal(err)
			}
			logger := slog.New(slog.DiscardHandler)
			a := &app{log: logger, fwdLog: logger, fwd: fwd, ctx: context.Background(), now: time.Now,
				settingsPath: filepath.Join(t.TempDir(), settingsFile), saved: s, eff: s}
			_, err = a.setServer(srv.URL, "k")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("setServer from %q: %v; want an error mentioning %q", tt.oldServer, err, tt.wantErr)
			}
		})
	}
}
