package tray

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// blocks are the eight levels of a sparkline, lowest first.
var blocks = []rune("▁▂▃▄▅▆▇█")

// Gap is drawn for a sample that is unknown (NaN): the RRD had no data for
// that step, for example while the computer slept or before the first
// stored step. It is the braille pattern of the two bottom dots, a dotted
// baseline: visibly "no data", unlike the solid ▁ of a zero, and never an
// invisible blank that looks like padding. Braille patterns are about as
// wide as a block character in proportional menu fonts (a space is less
// than half), so the rows' sparklines stay aligned.
const Gap = '\u28C0'

// SparkWidth is how many samples a metric row shows: the last SparkWidth
// values of its history, at one character each.
const SparkWidth = 30

// Sparkline draws the last width values of history (oldest first) as block
// characters, one per sample. Unknown values (NaN, ±Inf) are drawn as [Gap];
// when history is shorter than width the line is padded on the left with
// gaps, so that every row has the same number of characters and the newest
// sample is always at the right edge.
//
// The scale runs from lo to hi. A NaN bound is taken from the known values
// shown (their minimum or maximum), so a metric without a natural range uses
// its full height. Values outside the scale are clamped. When the scale is
// empty (all values equal), every known sample is drawn at the lowest level if
// it is at or below lo, else at the highest.
func Sparkline(history []float64, width int, lo, hi float64) string {
	if width <= 0 {
		return ""
	}
	if len(history) > width {
		history = history[len(history)-width:]
	}
	if math.IsNaN(lo) || math.IsNaN(hi) {
		min, max := math.Inf(1), math.Inf(-1)
		for _, v := range history {
			if known(v) {
				min = math.Min(min, v)
				max = math.Max(max, v)
			}
		}
		if math.IsNaN(lo) {
			lo = min
		}
		if math.IsNaN(hi) {
			hi = max
		}
	}
	var b strings.Builder
	b.Grow(width * utf8.UTFMax)
	for range width - len(history) {
		b.WriteRune(Gap)
	}
	top := len(blocks) - 1
	for _, v := range history {
		if !known(v) {
			b.WriteRune(Gap)
			continue
		}
		var level int
		switch {
		case !(hi > lo):
			if v > lo {
				level = top
			}
		case v <= lo:
			level = 0
		case v >= hi:
			level = top
		default:
			level = int(math.Round((v - lo) / (hi - lo) * float64(top)))
		}
		b.WriteRune(blocks[level])
	}
	return b.String()
}

func known(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Unknown is shown in place of a value that is not known yet.
const Unknown = "—"

// Spaces that keep a column of numbers steady in a proportional font: the
// figure space is as wide as a digit in any font with tabular figures (the
// usual for menu fonts), the punctuation space as wide as a full stop.
const (
	FigureSpace      = '\u2007'
	PunctuationSpace = '\u2008'
)

// fieldDigits is how many digits a value column holds: values up to 9999
// keep it aligned; larger ones (rare: a unit whose values exceed it) widen
// their row.
const fieldDigits = 4

// FormatValue writes v, a value stored in unit (the agent's units: "%",
// "bytes/s", "ms/s", "keys/min", "keys/s", "s"), in the units a person reads:
// percentages, decimal byte rates (B/s, kB/s, MB/s, GB/s), milliseconds per
// second, keys per minute ("38/min") and milliseconds ("85 ms"). Unknown
// values are [Unknown]; an unfamiliar unit is written after the number as it
// is. The result is compact, for the tooltip; [FormatAligned] pads it for a
// column.
func FormatValue(v float64, unit string) string {
	n, u := formatParts(v, unit)
	return n + u
}

// FormatAligned is [FormatValue] with the number padded on the left with
// figure and punctuation spaces to a fixed width, so that in a column of
// rows the numbers' right edges line up and a row's width stays the same as
// its value changes. A byte rate without an SI prefix has a figure space in
// its place ("512 B/s" next to "1.2 kB/s"); the prefix letters' widths differ
// by at most about a quarter of an em, the only width that may change.
func FormatAligned(v float64, unit string) string {
	n, u := formatParts(v, unit)
	if u == " B/s" {
		u = " " + string(FigureSpace) + "B/s"
	}
	return padNumber(n) + u
}

// formatParts returns the number and the unit (with its leading space, if
// any) of v in unit.
func formatParts(v float64, unit string) (number, suffix string) {
	if !known(v) {
		return Unknown, ""
	}
	switch unit {
	case "%":
		return num(v), "%"
	case "bytes/s":
		return byteRate(v)
	case "ms/s":
		return num(v), " ms/s"
	case "keys/s":
		return whole(v * 60), "/min"
	case "keys/min":
		return whole(v), "/min"
	case "keys":
		return whole(v), " keys"
	case "s":
		ms := v * 1000
		if math.Abs(ms) < 9999.5 {
			return whole(ms), " ms"
		}
		return num(v), " s"
	case "":
		return num(v), ""
	}
	return num(v), " " + unit
}

// padNumber pads a number written by num, whole or byteRate to fieldDigits
// digits and one full stop, the spaces standing for what it lacks. The
// unknown mark is padded to about the same width.
func padNumber(n string) string {
	if n == Unknown {
		// An em dash is about one and a half digits wide.
		return strings.Repeat(string(FigureSpace), fieldDigits-2) + string(PunctuationSpace) + Unknown
	}
	digits, dot := 0, false
	for _, r := range n {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			dot = true
		}
	}
	var b strings.Builder
	if !dot {
		b.WriteRune(PunctuationSpace)
	}
	for range fieldDigits - digits {
		b.WriteRune(FigureSpace)
	}
	b.WriteString(n)
	return b.String()
}

// num writes v with one decimal below 10 and none above, the precision a
// glance at a menu needs.
func num(v float64) string {
	if v == 0 {
		return "0"
	}
	if math.Abs(v) < 9.95 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return whole(v)
}

// whole writes v without decimals, switching to three significant digits
// in exponent form for absurdly large values so a label stays short.
func whole(v float64) string {
	if math.Abs(v) >= 1e7 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// byteRate writes a rate in bytes per second with decimal (SI) prefixes, as
// Activity Monitor and most network tools do: at most three digits.
func byteRate(v float64) (number, suffix string) {
	units := []string{" B/s", " kB/s", " MB/s", " GB/s", " TB/s"}
	i := 0
	for math.Abs(v) >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return whole(v), units[0]
	}
	return num(v), units[i]
}

// FormatSpan writes how far back a sparkline reaches, e.g. "30 min",
// "2 h 30 min", "30 s", "5 d".
func FormatSpan(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < 2*time.Minute:
		return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + " s"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + " min"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + " h"
		}
		return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
	}
	return strconv.Itoa(int(d.Round(time.Hour)/(24*time.Hour))) + " d"
}

// Clip shortens s to at most n characters by cutting it after its first two
// thirds, where a message or a path is least telling (what happened comes
// first, the name of the file last), and putting "…" there.
func Clip(s string, n int) string {
	if n < 3 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	head := (n - 1) * 2 / 3
	tail := n - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
