package tray

import (
	"fmt"
	"math"
	"strings"
)

// State is a snapshot of everything the menu shows. The app builds one each
// time the menu asks ([App.State]); Render turns it into labels.
type State struct {
	// Version is Rogue's version, shown in "About Rogue <version>".
	Version string
	// Series holds one entry per metric, in menu order.
	Series []Series

	// Forwarding reports whether "Forward to Grok" is on.
	Forwarding bool
	// ForwardStatus is the forwarder's status in plain words (for example
	// "Sent 2 min ago · 0 pending"); empty hides the line.
	ForwardStatus string
	// Server is the Grok server URL, empty when none is set.
	Server string

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
	// Latest is the newest value, NaN when unknown.
	Latest float64
	// History holds recent values, oldest first; NaN marks unknown samples.
	History []float64
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
	// Metrics has one row per series, in the order of State.Series.
	Metrics []Entry
	// Charts opens the history charts ("Charts…"), right after the rows.
	Charts Entry

	Forward       Entry // "Forward to Grok" checkbox
	ForwardStatus Entry // status line under it
	Server        Entry // "Grok Server…"
	Export        Entry // "Export CSV…"
	ExportStatus  Entry // progress or outcome of the export
	Keys          Entry // "Keystroke statistics…"
	KeysHint      Entry // how to fix missing key events
	Login         Entry // "Start at Login" checkbox
	DataFolder    Entry // "Open Data Folder"
	Notice        Entry // a message after an action
	Warning       Entry // a problem to know about
	SetAside      Entry // damaged data files set aside
	About         Entry // "About Rogue <version>"
	Diagnostics   Entry // "Diagnostics…", next to About
	Quit          Entry // "Quit Rogue"

	Anomaly AnomalyLabels // marks, the "Anomalies" submenu (anomaly.go)
}

// headline lists the metrics the tooltip shows, by RRD name.
var headline = []string{"CPUPercent", "MemoryPercent", "NetworkBytesReceived", "NetworkBytesSent"}

// Render draws the menu for s. It is pure: the same state always gives the
// same labels.
func Render(s State) Labels {
	var l Labels
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
	switch {
	case s.ForwardStatus != "":
		l.ForwardStatus = Entry{Title: s.ForwardStatus, Disabled: true}
	case s.Server == "":
		l.ForwardStatus = Entry{Title: "No server set — choose Grok Server…", Disabled: true}
	default:
		l.ForwardStatus = Entry{Hidden: true}
	}
	l.Server = Entry{Title: "Grok Server…"}
	if s.Server != "" {
		l.Server.Title = "Grok Server: " + s.Server + "…"
	}

	e := s.Export
	switch {
	case e.Running:
		l.Export = Entry{Title: "Export CSV…", Disabled: true}
		l.ExportStatus = Entry{Title: fmt.Sprintf("Exporting… %d of %d metrics", e.Done, e.Total), Disabled: true}
	case e.Err != "":
		l.Export = Entry{Title: "Export CSV…"}
		l.ExportStatus = Entry{Title: "Export failed: " + e.Err, Disabled: true}
	case e.Folder != "":
		l.Export = Entry{Title: "Export CSV…"}
		l.ExportStatus = Entry{Title: "Exported to " + e.Folder, Disabled: true}
	default:
		l.Export = Entry{Title: "Export CSV…"}
		l.ExportStatus = Entry{Hidden: true}
	}

	if s.Keys.Flowing {
		l.Keys = Entry{Title: "Keystroke statistics: on"}
		l.KeysHint = Entry{Hidden: true}
	} else {
		problem := s.Keys.Problem
		if problem == "" {
			problem = "off"
		}
		l.Keys = Entry{Title: "Keystroke statistics: " + problem}
		l.KeysHint = Entry{Title: s.Keys.Hint, Disabled: true, Hidden: s.Keys.Hint == ""}
	}

	l.Login = Entry{Title: "Start at Login", Checked: s.LoginItem}
	l.DataFolder = Entry{Title: "Open Data Folder"}
	l.Notice = Entry{Title: s.Notice, Disabled: true, Hidden: s.Notice == ""}
	l.Warning = Entry{Title: "⚠ " + s.Warning, Disabled: true, Hidden: s.Warning == ""}
	l.SetAside = Entry{Disabled: true, Hidden: len(s.SetAside) == 0}
	switch n := len(s.SetAside); {
	case n == 1:
		l.SetAside.Title = "⚠ A damaged data file was kept as " + s.SetAside[0] + "; a new one was started"
	case n > 1:
		l.SetAside.Title = fmt.Sprintf("⚠ %d damaged data files were kept as *.bad-<time>; new ones were started", n)
	}
	l.About = Entry{Title: "About Rogue " + s.Version}
	if s.Version == "" {
		l.About.Title = "About Rogue"
	}
	l.Diagnostics = Entry{Title: "Diagnostics…"}
	l.Quit = Entry{Title: "Quit Rogue"}
	return l
}

// MetricTitle is one metric's row: its sparkline, then its name and current
// value, e.g. "▁▂▃▅▇█▆▃  CPU 12%". The sparkline comes first so that the rows'
// charts line up in a proportional font.
func MetricTitle(m Series) string {
	return Sparkline(m.History, SparkWidth, bound(m.Min), bound(m.Max)) + "  " +
		m.Display + " " + FormatValue(m.Latest, m.Unit)
}

// bound turns an infinite range limit into NaN (scale from the data).
func bound(v float64) float64 {
	if math.IsInf(v, 0) {
		return math.NaN()
	}
	return v
}
