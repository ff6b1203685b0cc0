package main

// D-Bus tests of the menu a person sees: live values whatever the storage
// step, a fresh reading when the menu opens, history after a restart, and a
// layout that holds still.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/tray"
)

// opened sends the "opened" event a tray host sends for the root menu
// (id 0) when it shows the menu.
func (it *trayItem) opened(t testing.TB) {
	t.Helper()
	call := it.conn.Object(it.name, it.menuPath).Call("com.canonical.dbusmenu.Event", 0,
		int32(0), "opened", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	if call.Err != nil {
		t.Fatalf("opened event: %v", call.Err)
	}
}

// systemMetrics are the rows a live sample fills without typing.
var systemMetrics = []string{"CPU", "Memory", "Disk read", "Disk write", "Disk read time", "Disk write time", "Network out", "Network in"}

// labelShape is a label's width in a font with tabular figures (the usual
// for menu fonts), as the sorted list of its characters' width classes:
// digits and figure spaces alike, full stops and punctuation spaces alike,
// sparkline cells (blocks, blank braille) alike, the SI prefix slot of a
// byte rate alike; other characters themselves.
func labelShape(s string) string {
	s = strings.ReplaceAll(s, string(tray.FigureSpace)+"B/s", "kB/s")
	for _, p := range []string{"MB/s", "GB/s", "TB/s"} {
		s = strings.ReplaceAll(s, p, "kB/s")
	}
	r := []rune(strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9' || r == tray.FigureSpace:
			return '0'
		case r == '.' || r == tray.PunctuationSpace:
			return '.'
		case r >= '▁' && r <= '█' || r == tray.Gap:
			return '▁'
		}
		return r
	}, s))
	slices.Sort(r)
	return string(r)
}

// TestAppLiveValuesAndOpenedEvent runs rogue at the default 60 s step with
// a display interval of an hour, so that after the first second only the
// menu's "opened" event brings new values: the system rows have values
// within 2 s of start, the header states the span, "opened" takes a fresh
// reading (keys typed meanwhile appear at once), and over 10 refreshes with
// changing values every row keeps its width.
func TestAppLiveValuesAndOpenedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon, Xvfb and rogue (about 20 s)")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	display := testpeer.Xvfb(t, "320x240x24")
	s := defaultSettings()
	s.DisplayInterval = maxDisplayInterval
	writeSettings(t, env, s)

	rogueBinary(t) // built before the clock starts
	start := time.Now()
	p := startRogue(t, env, []string{"DISPLAY=" + display})
	conn := bus.Conn(t)
	item := findTrayItem(t, conn, p.Cmd.Process.Pid, 30*time.Second)

	var rows map[string][2]string
	testpeer.WaitFor(t, 10*time.Second, "values in the system rows", func() (bool, error) {
		entries, err := item.layout()
		if err != nil {
			return false, err
		}
		rows = metricRows(entries)
		for _, name := range systemMetrics {
			if r, ok := rows[name]; !ok || r[1] == tray.Unknown {
				return false, fmt.Errorf("row %q = %q", name, r)
			}
		}
		return true, nil
	})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("values in the menu %.2f s after start at a 60 s step, want within 2 s", d.Seconds())
	} else {
		t.Logf("values in the menu %.2f s after start (60 s step)", d.Seconds())
	}
	// Ticks every 60 s refresh more often than the hour's cadence.
	if _, err := item.entry("Last 30 min · live every 60 s"); err != nil {
		t.Errorf("header row: %v", err)
	}

	// Keys typed now show only after a fresh reading: the cadence is an
	// hour, and the first minute's tick is not due yet.
	keys := func() float64 {
		entries, err := item.layout()
		if err != nil {
			t.Fatal(err)
		}
		v := strings.TrimSuffix(metricRows(entries)["Keys"][1], "/min")
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return -1
		}
		return n
	}
	xdotool := testpeer.Need(t, "xdotool")
	cmd := testpeer.Start(t, execIn(display, xdotool, "type", "--delay", "60", "typing rhythm"))
	if err, _ := cmd.Exited(20 * time.Second); err != nil {
		t.Fatalf("xdotool: %v", err)
	}
	before := keys()
	item.opened(t)
	testpeer.WaitFor(t, 3*time.Second, "a fresh Keys value after the opened event", func() (bool, error) {
		n := keys()
		return n > 0, fmt.Errorf("Keys = %v/min (before opening %v)", n, before)
	})

	// Ten refreshes with changing values: every row's width holds.
	ctx, stop := context.WithCancel(context.Background())
	typed := make(chan struct{})
	go func() { typeKeys(ctx, display); close(typed) }()
	defer func() { stop(); <-typed }()
	shapes := map[string]map[string]bool{}
	values := map[string]map[string]bool{}
	var layouts [][]int32
	for range 10 {
		time.Sleep(400 * time.Millisecond)
		item.opened(t)
		time.Sleep(400 * time.Millisecond)
		entries, err := item.layout()
		if err != nil {
			t.Fatal(err)
		}
		var ids []int32
		for _, e := range entries {
			if e.Visible {
				ids = append(ids, e.ID)
			}
		}
		layouts = append(layouts, ids)
		for name, r := range metricRows(entries) {
			if shapes[name] == nil {
				shapes[name], values[name] = map[string]bool{}, map[string]bool{}
			}
			for _, e := range entries {
				if strings.HasSuffix(e.Label, "  "+name) {
					shapes[name][labelShape(e.Label)] = true
				}
			}
			values[name][r[1]] = true
		}
	}
	changed := 0
	for _, m := range metric.All {
		if len(values[m.Display]) > 1 {
			changed++
		}
		if n := len(shapes[m.Display]); n != 1 {
			t.Errorf("row %s had %d widths over 10 refreshes (values %v)", m.Display, n, values[m.Display])
		}
	}
	if changed < 3 {
		t.Errorf("only %d rows changed value over 10 refreshes: the opened event did not refresh them (%v)", changed, values)
	}
	for _, ids := range layouts[1:] {
		if !slices.Equal(ids, layouts[0]) {
			t.Errorf("visible items changed between refreshes: %v, then %v", layouts[0], ids)
		}
	}
	t.Logf("%d of %d rows changed value over 10 refreshes, widths steady", changed, len(metric.All))
}

// TestAppSparklinesAfterRestart: after a restart over stored history the
// sparklines are drawn at the first refresh, not half an hour later.
func TestAppSparklinesAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs rogue twice (about 15 s)")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	s := defaultSettings()
	s.Interval = 1
	writeSettings(t, env, s)
	first := startRogue(t, env, nil)
	item := findTrayItem(t, bus.Conn(t), first.Cmd.Process.Pid, 30*time.Second)
	time.Sleep(6 * time.Second) // a few stored steps
	item.clickQuit(t, "Quit Rogue")
	if code := first.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("first run exit code %d", code)
	}

	second := startRogue(t, env, nil)
	item = findTrayItem(t, bus.Conn(t), second.Cmd.Process.Pid, 30*time.Second)
	entries, err := item.layout()
	if err != nil {
		t.Fatal(err)
	}
	rows := metricRows(entries)
	for _, name := range []string{"CPU", "Memory", "Network in"} {
		spark := rows[name][0]
		if n := strings.Count(spark, "") - 1 - strings.Count(spark, string(tray.Gap)); n < 4 {
			t.Errorf("%s sparkline %q at the first refresh after a restart: %d points, want the stored history", name, spark, n)
		}
	}
	if _, err := item.entry("Last 30 s"); err != nil {
		t.Errorf("header row: %v", err)
	}
}

// TestAppStatusLinesNeverMoveItems: after statuses appear (an export, the
// outcome of Grok Server…, a failure to open the data folder) every item is
// where it was, so a click at the old place of each status line's
// neighbours hits the intended item.
func TestAppStatusLinesNeverMoveItems(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon and rogue")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	if err := os.MkdirAll(env.Home+"/Documents", 0o700); err != nil {
		t.Fatal(err)
	}
	s := defaultSettings()
	s.Server, s.Port = "http://127.0.0.1", testpeer.FreePort(t)
	writeSettings(t, env, s)
	noDialogs := t.TempDir()
	p := startRogue(t, env, []string{"PATH=" + noDialogs}, "--interval", "1")
	item := findTrayItem(t, bus.Conn(t), p.Cmd.Process.Pid, 30*time.Second)

	visible := func() []menuEntry {
		entries, err := item.layout()
		if err != nil {
			t.Fatal(err)
		}
		var v []menuEntry
		for _, e := range entries {
			if e.Visible {
				v = append(v, e)
			}
		}
		return v
	}
	before := visible()
	place := func(prefix string) int {
		for i, e := range before {
			if strings.HasPrefix(e.Label, prefix) {
				return i
			}
		}
		t.Fatalf("no %q in%s", prefix, labels(before))
		return -1
	}
	// The statuses.
	item.click(t, "Export CSV…")
	testpeer.WaitFor(t, 30*time.Second, "the export's outcome", func() (bool, error) {
		_, err1 := item.entry("Exported to")
		_, err2 := item.entry("Nothing to export")
		return err1 == nil || err2 == nil, err1
	})
	item.click(t, "Grok Server")
	item.waitEntry(t, "Set it in a terminal", 30*time.Second, "the server status", func(menuEntry) bool { return true })
	item.click(t, "Open Data Folder")
	item.waitEntry(t, "Could not open the data folder", 30*time.Second, "the notice", func(menuEntry) bool { return true })

	after := visible()
	// Each neighbour of a status line, clicked at its old place.
	for _, tt := range []struct {
		neighbour string
		check     func() bool
	}{
		{"Start at Login", func() bool { e, err := item.entry("Start at Login"); return err == nil && e.Checked }},
		{"Forward to Grok", func() bool { e, err := item.entry("Forward to Grok"); return err == nil && e.Checked }},
	} {
		i := place(tt.neighbour)
		if i >= len(after) || !strings.HasPrefix(after[i].Label, tt.neighbour) {
			t.Errorf("at the old place of %q (item %d) is now %q", tt.neighbour, i, after[min(i, len(after)-1)].Label)
			continue
		}
		item.click(t, after[i].Label)
		testpeer.WaitFor(t, 20*time.Second, tt.neighbour+" toggled", func() (bool, error) { return tt.check(), nil })
	}
	quit := place("Quit Rogue")
	for i := range quit + 1 {
		if before[i].ID != after[i].ID {
			t.Errorf("item %d was %q, is now %q", i, before[i].Label, after[i].Label)
		}
	}
	if n := len(after) - len(before); n < 1 {
		t.Errorf("no line appeared below Quit for the notice:%s", labels(after))
	}
}

// execIn is a command that runs on the X display.
func execIn(display, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	return cmd
}
