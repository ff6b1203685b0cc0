package tray

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func cpu(history ...float64) Series {
	latest := math.NaN()
	if len(history) > 0 {
		latest = history[len(history)-1]
	}
	return Series{Name: "CPUPercent", Display: "CPU", Unit: "%", Min: 0, Max: 100, Latest: latest, History: history}
}

func TestMetricTitle(t *testing.T) {
	const fs, ps = string(FigureSpace), string(PunctuationSpace)
	tests := []struct {
		name string
		s    Series
		want string
	}{
		{"LiveValueIsNewestPoint", Series{Display: "CPU", Unit: "%", Min: 0, Max: 100, Latest: 100, History: []float64{0, 50}},
			strings.Repeat(g, 27) + "▁▅█  " + ps + fs + "100%  CPU"},
		{"NoSamplesYet", cpu(), strings.Repeat(g, 30) + "  " + fs + fs + ps + "—  CPU"},
		{"LatestUnknownAfterSleep", Series{Display: "Network in", Unit: "bytes/s", Min: 0, Max: math.NaN(),
			Latest: math.NaN(), History: []float64{1000, 2000, math.NaN()}},
			strings.Repeat(g, 26) + "▅█" + g + g + "  " + fs + fs + ps + "—  Network in"},
		{"InfiniteMaxScalesFromData", Series{Display: "Disk read", Unit: "bytes/s", Min: 0, Max: math.Inf(1),
			Latest: 4e6, History: []float64{0}},
			strings.Repeat(g, 28) + "▁█  " + fs + fs + "4.0 MB/s  Disk read"},
		{"KeysPerMinute", Series{Display: "Keys", Unit: "keys/min", Min: 0, Max: math.NaN(), Latest: 38, History: []float64{38}},
			strings.Repeat(g, 28) + "██  " + ps + fs + fs + "38/min  Keys"},
		{"KeyHoldInMilliseconds", Series{Display: "Key hold", Unit: "s", Min: 0, Max: math.NaN(), Latest: 0.085, History: []float64{0.085}},
			strings.Repeat(g, 28) + "██  " + ps + fs + fs + "85 ms  Key hold"},
		{"MarkAfterLabel", Series{Display: "CPU", Unit: "%", Min: 0, Max: 100, Latest: 0, Mark: "⚑ 0.99"},
			strings.Repeat(g, 29) + "▁  " + ps + fs + fs + fs + "0%  CPU  ⚑ 0.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MetricTitle(tt.s); got != tt.want {
				t.Errorf("MetricTitle = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMetricTitleShowsLast30Samples checks the minimum: a row draws
// 30 points, the last 29 stored values and the live one, and only those.
func TestMetricTitleShowsLast30Samples(t *testing.T) {
	h := make([]float64, 100)
	for i := range h {
		h[i] = 100 // old samples high
	}
	for i := 71; i < 100; i++ {
		h[i] = 0 // the last 29 low
	}
	s := cpu(h...)
	s.Latest = 0
	got := MetricTitle(s)
	spark, _, _ := strings.Cut(got, "  ")
	if n := utf8.RuneCountInString(spark); n != SparkWidth {
		t.Fatalf("sparkline %q has %d points, want %d", spark, n, SparkWidth)
	}
	if strings.ContainsRune(spark, '█') {
		t.Errorf("sparkline %q shows samples older than the last 30", spark)
	}
}

// TestMetricTitleWidthSteady: as values change, a row keeps its width (in a
// font with tabular figures) and the value column stays where it is.
func TestMetricTitleWidthSteady(t *testing.T) {
	for _, m := range []Series{
		{Display: "CPU", Unit: "%", Min: 0, Max: 100},
		{Display: "Key hold", Unit: "s", Min: 0, Max: math.NaN()},
		{Display: "Keys", Unit: "keys/min", Min: 0, Max: math.NaN()},
		{Display: "Disk read time", Unit: "ms/s", Min: 0, Max: math.NaN()},
	} {
		widths := map[string][]float64{}
		for _, v := range []float64{0, 0.05, 0.5, 1, 3.3, 12, 85, 100} {
			if m.Unit == "s" {
				v /= 100 // key timings: below the 5 s pause
			}
			m.History = []float64{1, 2, 3}
			m.Latest = v
			w := shape(MetricTitle(m))
			widths[w] = append(widths[w], v)
		}
		if len(widths) != 1 {
			t.Errorf("%s: row width changes with the value: %v", m.Display, widths)
		}
	}
}

// TestRenderLayoutNeverMoves: whatever happens, every item above Quit is
// there (shown) in the same place, so a click never lands on a neighbour
// that moved in; only the lines below Quit come and go.
func TestRenderLayoutNeverMoves(t *testing.T) {
	states := []func(*State){
		func(s *State) {},
		func(s *State) { s.Server = "https://g"; s.ServerAddr = "g:2003" },
		func(s *State) {
			s.Server, s.Forwarding, s.ForwardStatus = "https://g", true, "Sent just now · 0 pending"
		},
		func(s *State) { s.ServerStatus = "Server not changed: the key was refused" },
		func(s *State) { s.Export = ExportState{Running: true, Done: 1, Total: 14} },
		func(s *State) { s.Export = ExportState{Folder: strings.Repeat("/very/long/folder", 10)} },
		func(s *State) { s.Export = ExportState{Err: "disk full"} },
		func(s *State) { s.Keys = KeyState{Flowing: true} },
		func(s *State) { s.Keys = KeyState{Problem: "no access", Hint: "Allow Rogue in System Settings"} },
		func(s *State) { s.Notice, s.Warning = "Data folder: /x", "Settings could not be read" },
	}
	visible := func(l Labels) []bool {
		var v []bool
		for _, e := range []Entry{l.Header, l.Forward, l.Server, l.ForwardStatus, l.Export, l.ExportStatus,
			l.Keys, l.KeysHint, l.Login, l.DataFolder, l.About, l.Quit} {
			v = append(v, !e.Hidden)
			if utf8.RuneCountInString(e.Title) > StatusWidth && e.Disabled {
				t.Errorf("status line %q longer than %d characters", e.Title, StatusWidth)
			}
		}
		return v
	}
	base := State{Version: "1", Step: time.Minute, Series: []Series{cpu(1)}}
	want := visible(Render(base))
	for i, edit := range states {
		s := base
		edit(&s)
		if got := visible(Render(s)); !slices.Equal(got, want) {
			t.Errorf("state %d: visible items %v, want %v", i, got, want)
		}
	}
}

func TestHeaderSaysTheSpan(t *testing.T) {
	tests := []struct {
		step, cadence time.Duration
		want          string
	}{
		{time.Minute, 2 * time.Second, "Last 30 min · live every 2 s"},
		{time.Second, 0, "Last 30 s"},
		{5 * time.Minute, 2 * time.Second, "Last 2 h 30 min · live every 2 s"},
	}
	for _, tt := range tests {
		if got := Header(tt.step, tt.cadence); got != tt.want {
			t.Errorf("Header(%v, %v) = %q, want %q", tt.step, tt.cadence, got, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	base := State{Version: "1.2.3", Series: []Series{cpu(10, 20)}}
	tests := []struct {
		name  string
		edit  func(*State)
		check func(t *testing.T, l Labels)
	}{
		{"NoServerTellsWhatToDo", func(s *State) {}, func(t *testing.T, l Labels) {
			want(t, l.ForwardStatus, Entry{Title: "No server set — choose Grok Server…", Disabled: true})
			want(t, l.Server, Entry{Title: "Grok Server…"})
			want(t, l.Forward, Entry{Title: "Forward to Grok"})
		}},
		{"ForwardingOnShowsStatus", func(s *State) {
			s.Forwarding, s.Server, s.ForwardStatus = true, "https://grok.example", "Sent 2 min ago · 0 pending"
		}, func(t *testing.T, l Labels) {
			want(t, l.Forward, Entry{Title: "Forward to Grok", Checked: true})
			want(t, l.ForwardStatus, Entry{Title: "Sent 2 min ago · 0 pending", Disabled: true})
			want(t, l.Server, Entry{Title: "Grok Server: https://grok.example…"})
		}},
		{"ServerWithPortNeverCut", func(s *State) {
			s.Server, s.ServerAddr = "https://grok.a-rather-long-host-name.example.com", "grok.a-rather-long-host-name.example.com:2003"
		}, func(t *testing.T, l Labels) {
			want(t, l.Server, Entry{Title: "Grok Server: grok.a-rather-long-host-name.example.com:2003…"})
		}},
		{"ServerOutcomeUnderGrokServer", func(s *State) {
			s.Server, s.Forwarding, s.ForwardStatus = "https://g", true, "Sent just now"
			s.ServerStatus = "Server not changed: the key was refused"
		}, func(t *testing.T, l Labels) {
			want(t, l.ForwardStatus, Entry{Title: "Server not changed: the key was refused", Disabled: true})
		}},
		{"ServerSetNotForwarding", func(s *State) { s.Server = "https://g" }, func(t *testing.T, l Labels) {
			want(t, l.ForwardStatus, Entry{Title: "Not forwarding", Disabled: true})
		}},
		{"ExportRunningDisablesItemAndShowsProgress", func(s *State) {
			s.Export = ExportState{Running: true, Done: 3, Total: 13}
		}, func(t *testing.T, l Labels) {
			want(t, l.Export, Entry{Title: "Export CSV…", Disabled: true})
			want(t, l.ExportStatus, Entry{Title: "Exporting… 3 of 13 metrics", Disabled: true})
		}},
		{"ExportFailedSaysWhy", func(s *State) { s.Export = ExportState{Err: "disk full", Folder: "/x"} }, func(t *testing.T, l Labels) {
			want(t, l.Export, Entry{Title: "Export CSV…"})
			want(t, l.ExportStatus, Entry{Title: "Export failed: disk full", Disabled: true})
		}},
		{"ExportDoneSaysWhere", func(s *State) { s.Export = ExportState{Folder: "/home/u/Documents/Rogue"} }, func(t *testing.T, l Labels) {
			want(t, l.ExportStatus, Entry{Title: "Exported to /home/u/Documents/Rogue", Disabled: true})
		}},
		{"ExportLongFolderClipped", func(s *State) {
			s.Export = ExportState{Folder: "/home/someone/Documents/Rogue export 2026-12-01 22.00.00 (2)"}
		}, func(t *testing.T, l Labels) {
			want(t, l.ExportStatus, Entry{Title: "Exported to /home/someone/Documents/Rog…6-12-01 22.00.00 (2)", Disabled: true})
		}},
		{"ExportFoundNothing", func(s *State) { s.Export = ExportState{Empty: true} }, func(t *testing.T, l Labels) {
			want(t, l.ExportStatus, Entry{Title: "Nothing to export yet: no samples stored", Disabled: true})
		}},
		{"NoExportSaysWhatItDoes", func(s *State) {}, func(t *testing.T, l Labels) {
			want(t, l.ExportStatus, Entry{Title: "Two weeks of every metric, as CSV", Disabled: true})
		}},
		{"KeysFlowing", func(s *State) { s.Keys = KeyState{Flowing: true} }, func(t *testing.T, l Labels) {
			want(t, l.Keys, Entry{Title: "Keystroke statistics: on"})
			want(t, l.KeysHint, Entry{Title: "Timings only, never which keys", Disabled: true})
		}},
		{"KeysBlockedSaysWhyAndHow", func(s *State) {
			s.Keys = KeyState{Problem: "no X11 display", Hint: "Run Rogue inside your desktop session."}
		}, func(t *testing.T, l Labels) {
			want(t, l.Keys, Entry{Title: "Keystroke statistics: no X11 display"})
			want(t, l.KeysHint, Entry{Title: "Run Rogue inside your desktop session.", Disabled: true})
		}},
		{"KeysOffWithoutReason", func(s *State) {}, func(t *testing.T, l Labels) {
			want(t, l.Keys, Entry{Title: "Keystroke statistics: off"})
		}},
		{"LoginItemChecked", func(s *State) { s.LoginItem = true }, func(t *testing.T, l Labels) {
			want(t, l.Login, Entry{Title: "Start at Login", Checked: true})
		}},
		{"WarningVisible", func(s *State) { s.Warning = "Settings unreadable" }, func(t *testing.T, l Labels) {
			want(t, l.Warning, Entry{Title: "⚠ Settings unreadable", Disabled: true})
		}},
		{"NoWarningHidden", func(s *State) {}, func(t *testing.T, l Labels) {
			if !l.Warning.Hidden || !l.Notice.Hidden {
				t.Errorf("Warning = %+v, Notice = %+v, want both hidden", l.Warning, l.Notice)
			}
		}},
		{"SetAsideOne", func(s *State) { s.SetAside = []string{"KeyHold.rrd.bad-20261201T220000Z"} }, func(t *testing.T, l Labels) {
			want(t, l.SetAside, Entry{Title: "⚠ A damaged data file was kept as KeyHold.rrd.bad-20261201T220000Z; a new one was started", Disabled: true})
		}},
		{"SetAsideNoneHidden", func(s *State) {}, func(t *testing.T, l Labels) {
			if !l.SetAside.Hidden {
				t.Errorf("SetAside = %+v, want hidden", l.SetAside)
			}
		}},
		{"NoticeVisible", func(s *State) { s.Notice = "Run 'rogue login'" }, func(t *testing.T, l Labels) {
			want(t, l.Notice, Entry{Title: "Run 'rogue login'", Disabled: true})
		}},
		{"AboutHasVersion", func(s *State) {}, func(t *testing.T, l Labels) {
			want(t, l.About, Entry{Title: "About Rogue 1.2.3"})
			want(t, l.Quit, Entry{Title: "Quit Rogue"})
		}},
		{"AboutWithoutVersion", func(s *State) { s.Version = "" }, func(t *testing.T, l Labels) {
			want(t, l.About, Entry{Title: "About Rogue"})
		}},
		{"TooltipHeadline", func(s *State) {
			s.Series = append(s.Series, Series{Name: "MemoryPercent", Display: "Memory", Unit: "%", Latest: 43},
				Series{Name: "DiskReadBytes", Display: "Disk read", Unit: "bytes/s", Latest: 1})
		}, func(t *testing.T, l Labels) {
			if l.Tooltip != "Rogue: CPU 20% · Memory 43%" {
				t.Errorf("Tooltip = %q", l.Tooltip)
			}
			if len(l.Metrics) != 3 {
				t.Errorf("%d metric rows, want 3", len(l.Metrics))
			}
		}},
		{"NoSeriesTooltip", func(s *State) { s.Series = nil }, func(t *testing.T, l Labels) {
			if l.Tooltip != "Rogue" || len(l.Metrics) != 0 {
				t.Errorf("Tooltip = %q, %d rows", l.Tooltip, len(l.Metrics))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.Series = append([]Series(nil), base.Series...)
			tt.edit(&s)
			tt.check(t, Render(s))
		})
	}
}

func want(t *testing.T, got, want Entry) {
	t.Helper()
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
