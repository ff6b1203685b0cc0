package tray

import (
	"math"
	"strings"
	"testing"
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
	tests := []struct {
		name string
		s    Series
		want string
	}{
		{"PercentFixedScale", cpu(0, 50, 100), strings.Repeat(g, 27) + "▁▅█  CPU 100%"},
		{"NoSamplesYet", cpu(), strings.Repeat(g, 30) + "  CPU —"},
		{"LatestUnknownAfterSleep", Series{Display: "Network in", Unit: "bytes/s", Min: 0, Max: math.NaN(),
			Latest: math.NaN(), History: []float64{1000, 2000, math.NaN()}},
			strings.Repeat(g, 27) + "▅█" + g + "  Network in —"},
		{"InfiniteMaxScalesFromData", Series{Display: "Disk read", Unit: "bytes/s", Min: 0, Max: math.Inf(1),
			Latest: 4e6, History: []float64{0, 4e6}},
			strings.Repeat(g, 28) + "▁█  Disk read 4.0 MB/s"},
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
// at least the last 30 samples, and only those.
func TestMetricTitleShowsLast30Samples(t *testing.T) {
	h := make([]float64, 100)
	for i := range h {
		h[i] = 100 // old samples high
	}
	for i := 70; i < 100; i++ {
		h[i] = 0 // the last 30 low
	}
	got := MetricTitle(cpu(h...))
	spark, _, _ := strings.Cut(got, "  ")
	if n := utf8.RuneCountInString(spark); n < 30 {
		t.Fatalf("sparkline %q has %d samples, want at least 30", spark, n)
	}
	if strings.ContainsRune(spark, '█') {
		t.Errorf("sparkline %q shows samples older than the last 30", spark)
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
		{"ServerSetNoStatusHidesLine", func(s *State) { s.Server = "https://g" }, func(t *testing.T, l Labels) {
			if !l.ForwardStatus.Hidden {
				t.Errorf("ForwardStatus = %+v, want hidden", l.ForwardStatus)
			}
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
		{"NoExportHidesStatus", func(s *State) {}, func(t *testing.T, l Labels) {
			if !l.ExportStatus.Hidden {
				t.Errorf("ExportStatus = %+v, want hidden", l.ExportStatus)
			}
		}},
		{"KeysFlowing", func(s *State) { s.Keys = KeyState{Flowing: true} }, func(t *testing.T, l Labels) {
			want(t, l.Keys, Entry{Title: "Keystroke statistics: on"})
			if !l.KeysHint.Hidden {
				t.Errorf("KeysHint = %+v, want hidden", l.KeysHint)
			}
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
