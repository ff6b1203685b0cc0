package tray

import (
	"math"
	"testing"
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
		{1.5, "keys/s", "90 keys/min"},
		{42, "keys/min", "42 keys/min"},
		{17, "keys", "17 keys"},
		{0.183, "s", "0.18 s"},
		{2.5, "s", "2.5 s"},
		{0, "s", "0 s"},
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
