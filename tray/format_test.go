package tray

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var nan = math.NaN()

// g is the gap character, as a string.
const g = string(Gap)

func TestSparkline(t *testing.T) {
	tests := []struct {
		name    string
		history []float64
		width   int
		lo, hi  float64
		want    string
	}{
		{"FullRangeRamp", []float64{0, 1, 2, 3, 4, 5, 6, 7}, 8, 0, 7, "▁▂▃▄▅▆▇█"},
		{"AutoScaleFromData", []float64{10, 20, 30}, 3, nan, nan, "▁▅█"},
		{"FixedPercentScaleKeepsIdleLow", []float64{1, 2, 1}, 3, 0, 100, "▁▁▁"},
		{"UnknownSampleIsGap", []float64{0, nan, 7}, 3, 0, 7, "▁" + g + "█"},
		{"InfinityIsGap", []float64{math.Inf(1), 7}, 2, 0, 7, g + "█"},
		{"ShortHistoryPaddedLeft", []float64{0, 7}, 5, 0, 7, g + g + g + "▁█"},
		{"EmptyHistoryAllGaps", nil, 3, 0, 100, g + g + g},
		{"LongHistoryKeepsNewest", []float64{7, 7, 7, 0, 0}, 2, 0, 7, "▁▁"},
		{"ClampsOutOfRange", []float64{-5, 150}, 2, 0, 100, "▁█"},
		{"FlatZeroIsLowest", []float64{0, 0, 0}, 3, 0, nan, "▁▁▁"},
		{"FlatNonZeroIsHighest", []float64{5, 5}, 2, 0, nan, "██"},
		{"AllUnknownNoPanic", []float64{nan, nan}, 2, nan, nan, g + g},
		{"ZeroWidth", []float64{1, 2}, 0, 0, 1, ""},
		{"NegativeWidth", []float64{1, 2}, -3, 0, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sparkline(tt.history, tt.width, tt.lo, tt.hi)
			if got != tt.want {
				t.Errorf("Sparkline(%v, %d, %v, %v) = %q, want %q", tt.history, tt.width, tt.lo, tt.hi, got, tt.want)
			}
			if tt.width > 0 && utf8.RuneCountInString(got) != tt.width {
				t.Errorf("Sparkline has %d characters, want %d", utf8.RuneCountInString(got), tt.width)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{12.34, "%", "12%"},
		{3.45, "%", "3.5%"},
		{0, "%", "0%"},
		{100, "%", "100%"},
		{0, "bytes/s", "0 B/s"},
		{512.4, "bytes/s", "512 B/s"},
		{999.4, "bytes/s", "999 B/s"},
		{999.6, "bytes/s", "1.0 kB/s"},
		{12_345, "bytes/s", "12 kB/s"},
		{4_500_000, "bytes/s", "4.5 MB/s"},
		{2.5e9, "bytes/s", "2.5 GB/s"},
		{7e15, "bytes/s", "7000 TB/s"},
		{3.21, "ms/s", "3.2 ms/s"},
		{120, "ms/s", "120 ms/s"},
		{1.5, "keys/s", "90/min"},
		{42, "keys/min", "42/min"},
		{17, "keys", "17 keys"},
		{0.0854, "s", "85 ms"},
		{0.183, "s", "183 ms"},
		{2.5, "s", "2500 ms"},
		{0, "s", "0 ms"},
		{12, "s", "12 s"},
		{42, "", "42"},
		{3, "widgets", "3.0 widgets"},
		{nan, "%", Unknown},
		{math.Inf(1), "bytes/s", Unknown},
		{math.Inf(-1), "s", Unknown},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v, tt.unit); got != tt.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

// TestFormatValueNeverLong guards the menu's width: whatever a collector
// reports, a value stays short.
func TestFormatValueNeverLong(t *testing.T) {
	for _, unit := range []string{"%", "bytes/s", "ms/s", "keys/s", "keys", "s", "x"} {
		for _, v := range []float64{-1e300, -1, 0, 1e-300, 0.5, 9.96, 1e3, 1e12, 1e300, math.MaxFloat64} {
			if got := FormatValue(v, unit); len(got) > 20 {
				t.Errorf("FormatValue(%v, %q) = %q: longer than 20 bytes", v, unit, got)
			}
		}
	}
}

// TestFormatAligned checks the value column: every value of a unit has the
// same width in a font with tabular figures (digits and U+2007 alike, full
// stop and U+2008 alike), so rows do not change width as values change.
func TestFormatAligned(t *testing.T) {
	tests := []struct {
		unit string
		vals []float64
	}{
		{"%", []float64{0, 3.45, 12.34, 99.6, 100}},
		{"ms/s", []float64{0, 0.5, 9.9, 120, 4000}},
		{"keys/min", []float64{0, 7, 38, 412}},
		{"s", []float64{0, 0.0854, 0.9, 2.5, 4.999}},
		{"bytes/s", []float64{0, 512, 999.4, 1e3, 4.5e3, 12.3e3, 999e3, 1e6, 2.5e9}},
	}
	for _, tt := range tests {
		shapes := map[string][]float64{}
		for _, v := range tt.vals {
			got := FormatAligned(v, tt.unit)
			shapes[shape(got)] = append(shapes[shape(got)], v)
			if strings.ReplaceAll(strings.TrimLeft(got, string([]rune{FigureSpace, PunctuationSpace})), string(FigureSpace), "") != FormatValue(v, tt.unit) {
				t.Errorf("FormatAligned(%v, %q) = %q: not FormatValue padded on the left", v, tt.unit, got)
			}
		}
		if len(shapes) != 1 {
			t.Errorf("unit %q: values of different widths: %v", tt.unit, shapes)
		}
	}
}

// shape is the width of s in a font with tabular figures, as the sorted
// list of its characters' width classes: digits and figure spaces are "0",
// full stops and punctuation spaces ".", block elements "▁", SI prefix
// letters "k" (see FormatAligned), other characters themselves.
func shape(s string) string {
	s = strings.ReplaceAll(s, string(FigureSpace)+"B/s", "kB/s") // the empty prefix slot
	r := []rune(strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9' || r == FigureSpace:
			return '0'
		case r == '.' || r == PunctuationSpace:
			return '.'
		case r >= '▁' && r <= '█':
			return '▁'
		case r == 'k' || r == 'M' || r == 'G' || r == 'T':
			return 'k' // SI prefixes (see FormatAligned)
		}
		return r
	}, s))
	slices.Sort(r)
	return string(r)
}

func TestFormatSpan(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "30 s"},
		{30 * time.Minute, "30 min"},
		{150 * time.Minute, "2 h 30 min"},
		{10 * time.Hour, "10 h"},
		{5 * 24 * time.Hour, "5 d"},
		{0, ""},
	}
	for _, tt := range tests {
		if got := FormatSpan(tt.d); got != tt.want {
			t.Errorf("FormatSpan(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"/home/user/Documents/Rogue export 2026", 15, "/home/use… 2026"},
		{"exactly", 7, "exactly"},
	}
	for _, tt := range tests {
		got := Clip(tt.s, tt.n)
		if got != tt.want || utf8.RuneCountInString(got) > tt.n {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
