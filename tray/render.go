package tray

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// State is a snapshot of everything the menu shows. The app builds one each
// time the menu asks ([App.State]); Render turns it into labels.
type State struct {
	// Version is Rogue's version, shown in "About Rogue <version>".
	Version string
	// Series holds one entry per metric, in menu order.
	Series []Series
	// Step is the storage step: the time between two History values. It
	// says in the header row how far back the sparklines reach.
	Step time.Duration
	// Cadence is how often the live values are refreshed (0: unknown).
	Cadence time.Duration

	// Forwarding reports whether "Forward to Grok" is on.
	Forwarding bool
	// ForwardStatus is the forwarder's status in plain words (for example
	// "Sent 2 min ago · 0 pending"); empty hides the line.
	ForwardStatus string
	// Server is the Grok server URL, empty when none is set.
	Server string
	// ServerAddr is where points go, "host:port", shown in the Grok Server
	// item; empty: the item shows Server.
	ServerAddr string
	// ServerStatus is the outcome of the last Grok Server… choice or of
	// starting Grok's models ("Connected to … — 13 metrics monitored", or
	// why it failed); while set it is shown in place of ForwardStatus.
	ServerStatus string

	// Keys says whether key events are flowing.
	Keys KeyState
	// Export is the progress or outcome of the last CSV export.
	Export ExportState

	// LoginItem reports whether Rogue starts at login.
	LoginItem bool
	// Notice is a one-line message for the user, such as what to do after a
	// failed action ("Run 'rogue login --server URL' in a terminal").
	Notice string
	// Warning is a one-line problem the user should know about, such as a
	// settings file that could not be read.
	Warning string
	// SetAside names the RRD files that could not be continued and were
	// set aside (renamed <Name>.rrd.bad-<time>) for a fresh file, as the
	// file names now in the data folder.
	SetAside []string

	// Anomalies are the anomaly scores and recent anomalies (anomaly.go).
	Anomalies AnomalyState
}

// Series is one metric's row.
type Series struct {
	// Name is the metric's RRD name, e.g. "CPUPercent".
	Name string
	// Display is its label, e.g. "CPU".
	Display string
	// Unit is the unit of the stored values (see [FormatValue]).
	Unit string
	// Min and Max are the metric's natural range; NaN when unbounded. They
	// fix the sparkline's scale where known (0–100 for percentages).
	Min, Max float64
	// Latest is the newest value (the live sampler's), NaN when unknown.
	// The sparkline draws it as its newest point.
	Latest float64
	// History holds the stored values, one per Step, oldest first; NaN
	// marks unknown samples. Latest is not among them.
	History []float64
	// Mark, when set, is shown after the row's label (for example an
	// anomaly mark with its likelihood).
	Mark string
}

// KeyState says whether keystroke statistics are being recorded.
type KeyState struct {
	// Flowing is true when key events arrived recently (or the tap is
	// running and simply nobody typed).
	Flowing bool
	// Problem says why key events are not flowing; empty when they are.
	Problem string
	// Hint says in one sentence how to fix Problem.
	Hint string
}

// ExportState is the progress of a CSV export.
type ExportState struct {
	// Running is true while an export is in progress.
	Running bool
	// Done and Total count metrics exported so far and in all.
	Done, Total int
	// Folder is where the last export went.
	Folder string
	// Err is the last export's failure, empty on success.
	Err string
	// Empty is true when the last export found no stored samples.
	Empty bool
}

// Entry is how one menu item looks.
type Entry struct {
	Title    string
	Checked  bool // shown with a check mark (checkbox items only)
	Disabled bool // greyed out, not clickable
	Hidden   bool
}

// Labels is the whole menu as Render draws it: one Entry per item.
type Labels struct {
	// Tooltip is the status item's tooltip: the headline values.
	Tooltip string
	// Header is the row above the metrics: the span the sparklines cover.
	Header Entry
	// Metrics has one row per series, in the order of State.Series.
	Metrics []Entry
	// Charts opens the history charts ("Charts…"), right after the rows.
	Charts Entry

	Forward       Entry // "Forward to Grok" checkbox
	Server        Entry // "Grok Server…"
	ForwardStatus Entry // status line under Grok Server…: server and forwarding
	Export        Entry // "Export CSV…"
	ExportStatus  Entry // progress or outcome of the export
	Keys          Entry // "Keystroke statistics…"
	KeysHint      Entry // what is recorded, or how to fix missing key events
	Login         Entry // "Start at Login" checkbox
	DataFolder    Entry // "Open Data Folder"
	About         Entry // "About Rogue <version>"
	Diagnostics   Entry // "Diagnostics…", next to About
	Quit          Entry // "Quit Rogue"
	Notice        Entry // a message after an action (below Quit)
	Warning       Entry // a problem to know about (below Quit)
	SetAside      Entry // damaged data files set aside (below Quit)

	Anomaly AnomalyLabels // marks, the "Anomalies" submenu (anomaly.go)
}

// StatusWidth is the most characters a status line shows; longer text is
// cut in the middle ([Clip]), so that no status makes the menu wider than
// its metric rows.
const StatusWidth = 60

// NoticeWidth is the most characters of a message or warning below Quit.
const NoticeWidth = 90

// headline lists the metrics the tooltip shows, by RRD name.
var headline = []string{"CPUPercent", "MemoryPercent", "NetworkBytesReceived", "NetworkBytesSent"}

// Render draws the menu for s. It is pure: the same state always gives the
// same labels.
//
// The layout never moves an item under the pointer: every status line under
// an action always exists (greyed, with a neutral text when there is nothing
// to report), and the only lines that come and go, Notice and Warning, sit
// below Quit.
func Render(s State) Labels {
	var l Labels
	l.Header = Entry{Title: Header(s.Step, s.Cadence), Disabled: true, Hidden: s.Step <= 0}
	l.Metrics = make([]Entry, len(s.Series))
	var tips []string
	for i, m := range s.Series {
		l.Metrics[i] = Entry{Title: MetricTitle(m)}
		for _, h := range headline {
			if m.Name == h {
				tips = append(tips, m.Display+" "+FormatValue(m.Latest, m.Unit))
			}
		}
	}
	renderAnomalies(s, &l)
	l.Tooltip = "Rogue"
	if len(tips) > 0 {
		l.Tooltip += ": " + strings.Join(tips, " · ")
	}

	l.Charts = Entry{Title: "Charts…"}

	l.Forward = Entry{Title: "Forward to Grok", Checked: s.Forwarding}
	l.Server = Entry{Title: "Grok Server…"}
	switch {
	case s.ServerAddr != "":
		l.Server.Title = "Grok Server: " + s.ServerAddr + "…"
	case s.Server != "":
		l.Server.Title = "Grok Server: " + s.Server + "…"
	}
	status := s.ServerStatus
	switch {
	case status != "":
	case s.Server == "":
		status = "No server set — choose Grok Server…"
	case !s.Forwarding:
		status = "Not forwarding"
	case s.ForwardStatus != "":
		status = s.ForwardStatus
	default:
		status = "Forwarding on"
	}
	l.ForwardStatus = statusLine(status)

	e := s.Export
	l.Export = Entry{Title: "Export CSV…"}
	switch {
	case e.Running:
		l.Export.Disabled = true
		l.ExportStatus = statusLine(fmt.Sprintf("Exporting… %d of %d metrics", e.Done, e.Total))
	case e.Empty:
		l.ExportStatus = statusLine("Nothing to export yet: no samples stored")
	case e.Err != "":
		l.ExportStatus = statusLine("Export failed: " + e.Err)
	case e.Folder != "":
		l.ExportStatus = statusLine("Exported to " + e.Folder)
	default:
		l.ExportStatus = statusLine("Two weeks of every metric, as CSV")
	}

	if s.Keys.Flowing {
		l.Keys = Entry{Title: "Keystroke statistics: on"}
		l.KeysHint = statusLine("Timings only, never which keys")
	} else {
		problem := s.Keys.Problem
		if problem == "" {
			problem = "off"
		}
		l.Keys = Entry{Title: "Keystroke statistics: " + problem}
		hint := s.Keys.Hint
		if hint == "" {
			hint = "Key metrics are unknown"
		}
		l.KeysHint = statusLine(hint)
	}

	l.Login = Entry{Title: "Start at Login", Checked: s.LoginItem}
	l.DataFolder = Entry{Title: "Open Data Folder"}
	l.About = Entry{Title: "About Rogue " + s.Version}
	if s.Version == "" {
		l.About.Title = "About Rogue"
	}
	l.Diagnostics = Entry{Title: "Diagnostics…"}
	l.Quit = Entry{Title: "Quit Rogue"}
	// Below Quit these move nothing; they may be longer.
	l.Notice = Entry{Title: Clip(s.Notice, NoticeWidth), Disabled: true, Hidden: s.Notice == ""}
	l.Warning = Entry{Title: Clip("⚠ "+s.Warning, NoticeWidth), Disabled: true, Hidden: s.Warning == ""}
	l.SetAside = Entry{Disabled: true, Hidden: len(s.SetAside) == 0}
	switch n := len(s.SetAside); {
	case n == 1:
		l.SetAside.Title = Clip("⚠ A damaged data file was kept as "+s.SetAside[0]+"; a new one was started", NoticeWidth)
	case n > 1:
		l.SetAside.Title = fmt.Sprintf("⚠ %d damaged data files were kept as *.bad-<time>; new ones were started", n)
	}
	return l
}

// statusLine is a greyed line of at most StatusWidth characters.
func statusLine(text string) Entry {
	return Entry{Title: Clip(text, StatusWidth), Disabled: true}
}

// Header is the row above the metrics: how far back the sparklines reach
// (SparkWidth steps, the newest being the live value) and how often the
// values are refreshed, e.g. "Last 30 min · live every 2 s".
func Header(step, cadence time.Duration) string {
	h := "Last " + FormatSpan(time.Duration(SparkWidth)*step)
	if cadence > 0 {
		h += " · live every " + FormatSpan(cadence)
	}
	return h
}

// MetricTitle is one metric's row: its sparkline, its current value in a
// column of fixed width, then its name, e.g. "▁▂▃▅▇█▆▃   12%  CPU". The
// sparkline comes first and the value next so that, in a proportional font,
// the rows' charts and numbers line up whatever the names' widths, and a
// row keeps its width as the value changes ([FormatAligned]). The sparkline
// is the last SparkWidth-1 stored values and the live value.
func MetricTitle(m Series) string {
	h := m.History
	if len(h) > SparkWidth-1 {
		h = h[len(h)-(SparkWidth-1):]
	}
	points := make([]float64, len(h)+1)
	copy(points, h)
	points[len(h)] = m.Latest
	t := Sparkline(points, SparkWidth, bound(m.Min), bound(m.Max)) + "  " +
		FormatAligned(m.Latest, m.Unit) + "  " + m.Display
	if m.Mark != "" {
		t += "  " + m.Mark
	}
	return t
}

// bound turns an infinite range limit into NaN (scale from the data).
func bound(v float64) float64 {
	if math.IsInf(v, 0) {
		return math.NaN()
	}
	return v
}
