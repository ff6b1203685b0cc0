package tray

import (
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/systray"
)

// AnomalyState is what the menu shows about anomalies: the local
// detectors' scores, Grok's verdicts and the recent anomalies.
type AnomalyState struct {
	// Threshold is the score at or above which a metric is marked
	// anomalous; 0 turns the marks off.
	Threshold float64
	// Scores holds one entry per series, in the order of State.Series (it
	// may be shorter; missing entries are unknown).
	Scores []MetricScore
	// Recent lists the recent anomalies, newest first.
	Recent []Anomaly
	// Notify reports whether a notification is shown for each anomaly.
	Notify bool
	// Warming is true while the detectors learn the stored history.
	Warming bool
}

// MetricScore is one metric's anomaly verdicts.
type MetricScore struct {
	// Score is the local detector's anomaly likelihood in [0, 1]; NaN
	// when unknown.
	Score float64
	// Grok is the Grok server's verdict; zero when no server is set.
	Grok GrokVerdict
}

// GrokVerdict is the latest verdict of a Grok model on a metric.
type GrokVerdict struct {
	// Known is true when the server's model for the metric was read.
	Known bool
	// Score is Grok's anomaly_score of the newest row (an anomaly
	// likelihood, 0 during the model's probation); NaN when it has none.
	Score float64
	// Status is the model's state when it is not simply active: for
	// example "probation", "starting", "error: <message>".
	Status string
}

// Anomaly is one past anomaly: the sample whose score passed the
// threshold first in an episode.
type Anomaly struct {
	Time    time.Time
	Display string  // the metric's label, e.g. "CPU"
	Unit    string  // unit of Value (see FormatValue)
	Value   float64 // the sample's value
	Score   float64 // its anomaly likelihood
}

// MaxRecent is how many anomalies the "Anomalies" submenu lists.
const MaxRecent = 10

// AnomalyLabels are the anomaly parts of the menu.
type AnomalyLabels struct {
	// Active is true while any metric is anomalous: the status icon
	// shows its anomaly variant.
	Active bool
	// Menu is the "Anomalies" submenu's own row.
	Menu Entry
	// Rows are the submenu's rows, MaxRecent of them, newest first.
	Rows []Entry
	// Notify is the "Notify of anomalies" checkbox.
	Notify Entry
	// Info says the threshold and whether the detectors still learn.
	Info Entry
}

// renderAnomalies marks the anomalous metric rows of l and draws the
// anomaly entries. It is part of Render.
func renderAnomalies(s State, l *Labels) {
	a := s.Anomalies
	for i := range l.Metrics {
		if i >= len(a.Scores) || i >= len(s.Series) {
			break
		}
		sc := a.Scores[i]
		mark := ScoreMark(sc.Score, a.Threshold)
		if mark != "" {
			l.Anomaly.Active = true
		}
		l.Metrics[i].Title += mark + GrokMark(sc.Grok)
	}
	n := len(a.Recent)
	title := "Anomalies"
	switch {
	case l.Anomaly.Active:
		title = "Anomalies: now"
	case n > 0:
		title = "Anomalies (" + strconv.Itoa(n) + ")"
	}
	l.Anomaly.Menu = Entry{Title: title}
	l.Anomaly.Rows = make([]Entry, MaxRecent)
	for i := range l.Anomaly.Rows {
		switch {
		case i < n:
			l.Anomaly.Rows[i] = Entry{Title: AnomalyTitle(a.Recent[i]), Disabled: true}
		case i == 0:
			l.Anomaly.Rows[i] = Entry{Title: "No anomalies yet", Disabled: true}
		default:
			l.Anomaly.Rows[i] = Entry{Hidden: true}
		}
	}
	l.Anomaly.Notify = Entry{Title: "Notify of Anomalies", Checked: a.Notify}
	info := "Marked at a likelihood of " + Likelihood(a.Threshold)
	if a.Threshold <= 0 {
		info = "Marks off (threshold 0)"
	}
	if a.Warming {
		info += " · learning from history…"
	}
	l.Anomaly.Info = Entry{Title: info, Disabled: true}
}

// ScoreMark is what a metric row gets after its value when its score
// passes threshold: "  ⚠ 97%"; empty otherwise.
func ScoreMark(score, threshold float64) string {
	if threshold <= 0 || !known(score) || score < threshold {
		return ""
	}
	return "  ⚠ " + Likelihood(score)
}

// GrokMark is Grok's verdict after a metric row: its likelihood in Grok's
// own colours, or the model's status; empty when there is no verdict.
func GrokMark(g GrokVerdict) string {
	switch {
	case !g.Known:
		return ""
	case g.Status != "":
		return " · Grok: " + g.Status
	case !known(g.Score):
		return " · Grok: no score yet"
	}
	mark := " · Grok " + Likelihood(g.Score)
	switch GrokColor(g.Score) {
	case "red":
		mark += " (red)"
	case "yellow":
		mark += " (yellow)"
	}
	return mark
}

// GrokLevel is the log scale on which Grok's clients colour an anomaly
// likelihood L: ln(1.0000000001 − L) / ln(1e-10), 0 for L = 0 and about 1
// for L = 1.
func GrokLevel(l float64) float64 {
	return math.Log(1.0000000001-l) / math.Log(1e-10)
}

// GrokColor is the colour Grok gives a likelihood: "red" at a level of 0.5
// or more (L ≥ 0.99999), "yellow" at 0.4 or more (L ≥ 0.9999), else
// "green".
func GrokColor(l float64) string {
	switch lv := GrokLevel(l); {
	case lv >= 0.5:
		return "red"
	case lv >= 0.4:
		return "yellow"
	}
	return "green"
}

// Likelihood writes a likelihood as a percentage with as many decimals as
// it takes to tell it from 100 %: "97%", "99.9%", "99.999%".
func Likelihood(p float64) string {
	if !known(p) {
		return Unknown
	}
	pc := p * 100
	for dec := 0; dec <= 6; dec++ {
		s := strconv.FormatFloat(pc, 'f', dec, 64)
		if p >= 1 || !strings.HasPrefix(s, "100") {
			return s + "%"
		}
	}
	return strconv.FormatFloat(pc, 'f', 6, 64) + "%"
}

// AnomalyTitle is one row of the "Anomalies" submenu:
// "14:03  CPU 97%  ⚠ 99.9%", with the date when not today.
func AnomalyTitle(a Anomaly) string {
	layout := "15:04"
	if time.Since(a.Time) > 20*time.Hour {
		layout = "Jan 2 15:04"
	}
	return a.Time.Format(layout) + "  " + a.Display + " " + FormatValue(a.Value, a.Unit) + "  ⚠ " + Likelihood(a.Score)
}

// submenuBackend is implemented by backends that can make submenus (the
// tray library's does; the plain test fake does not, and then the anomaly
// entries are left out).
type submenuBackend interface {
	AddSubmenu(e Entry) submenu
}

// submenu is an item with items under it.
type submenu interface {
	item
	AddSub(e Entry, checkable bool) item
}

// iconBackend is implemented by backends that can switch the status icon
// to its anomaly variant.
type iconBackend interface {
	SetAnomalyIcon(on bool)
}

// AnomalyApp is implemented by apps that let the menu turn anomaly
// notifications on and off.
type AnomalyApp interface {
	ToggleAnomalyNotifications()
}

// addAnomalies adds the "Anomalies" submenu and its rows (part of build).
func (l *loop) addAnomalies(first *Labels) {
	sb, ok := l.b.(submenuBackend)
	if !ok {
		return
	}
	menu := sb.AddSubmenu(first.Anomaly.Menu)
	l.slots = append(l.slots, &slot{item: menu, applied: first.Anomaly.Menu,
		pick: func(lb *Labels) Entry { return lb.Anomaly.Menu }})
	add := func(checkable bool, pick func(*Labels) Entry, onClick func()) {
		e := pick(first)
		l.slots = append(l.slots, &slot{item: menu.AddSub(e, checkable), applied: e, onClick: onClick, pick: pick})
	}
	for i := range MaxRecent {
		add(false, func(lb *Labels) Entry {
			if i < len(lb.Anomaly.Rows) {
				return lb.Anomaly.Rows[i]
			}
			return Entry{Hidden: true}
		}, nil)
	}
	var toggle func()
	if aa, ok := l.app.(AnomalyApp); ok {
		toggle = aa.ToggleAnomalyNotifications
	}
	add(true, func(lb *Labels) Entry {
		e := lb.Anomaly.Notify
		e.Disabled = e.Disabled || toggle == nil
		return e
	}, toggle)
	add(false, func(lb *Labels) Entry { return lb.Anomaly.Info }, nil)
	l.applyAnomalyIcon(first)
}

// applyAnomalyIcon switches the status icon when the anomaly state changed
// (part of refresh).
func (l *loop) applyAnomalyIcon(lb *Labels) {
	ib, ok := l.b.(iconBackend)
	if !ok || l.iconAnomaly == lb.Anomaly.Active {
		return
	}
	l.iconAnomaly = lb.Anomaly.Active
	ib.SetAnomalyIcon(lb.Anomaly.Active)
}

// AddSubmenu implements submenuBackend.
func (sysBackend) AddSubmenu(e Entry) submenu {
	return sysMenu{sysBackend{}.Add(e, false).(sysItem)}
}

// sysMenu is a systray item with a submenu.
type sysMenu struct{ sysItem }

func (m sysMenu) AddSub(e Entry, checkable bool) item {
	var it *systray.MenuItem
	if checkable {
		it = m.it.AddSubMenuItemCheckbox(e.Title, "", e.Checked)
	} else {
		it = m.it.AddSubMenuItem(e.Title, "")
	}
	if e.Disabled {
		it.Disable()
	}
	if e.Hidden {
		it.Hide()
	}
	return sysItem{it}
}

// SetAnomalyIcon implements iconBackend.
func (b sysBackend) SetAnomalyIcon(on bool) {
	icon, tmpl := b.opts.Icon, b.opts.TemplateIcon
	if on {
		icon, tmpl = b.opts.AnomalyIcon, b.opts.AnomalyTemplateIcon
	}
	if len(tmpl) == 0 {
		tmpl = icon
	}
	if len(tmpl) > 0 {
		systray.SetTemplateIcon(tmpl, icon)
	}
}
