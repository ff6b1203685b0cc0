package rrd

import (
	"errors"
	"time"
)

// DSType is a data source type.
type DSType string

// Data source types.
const (
	Gauge    DSType = "GAUGE"
	Counter  DSType = "COUNTER"
	Derive   DSType = "DERIVE"
	Absolute DSType = "ABSOLUTE"
)

// CF is a consolidation function.
type CF string

// Consolidation functions.
const (
	Average CF = "AVERAGE"
	Min     CF = "MIN"
	Max     CF = "MAX"
	Last    CF = "LAST"
)

// DS defines a data source.
type DS struct {
	Name      string        // 1–19 characters of [a-zA-Z0-9_-], as rrdtool allows
	Type      DSType        // GAUGE, COUNTER, DERIVE or ABSOLUTE
	Heartbeat time.Duration // whole seconds
	Min, Max  float64       // NaN means unbounded ("U")
}

// RRA defines a round-robin archive.
type RRA struct {
	CF    CF
	XFF   float64 // 0 <= XFF < 1
	Steps int     // primary data points per row
	Rows  int
}

// Definition is what Create needs, and what an open file reports.
type Definition struct {
	Step  time.Duration // whole seconds; 0 means 300 s, as rrdtool
	Start time.Time     // time of the (virtual) last update; zero means now - 10 s
	DS    []DS
	RRA   []RRA
}

// Sample is one update: a time and one value per data source.
type Sample struct {
	Time   time.Time // may have sub-second precision
	Values []float64 // one per DS, in definition order; NaN means unknown; whole numbers for COUNTER and DERIVE
	// Raw, when non-nil, holds the values as rrdtool update text ("U",
	// "12345678901234567890", "1.5e3") and Values is ignored. It lets the
	// CLI and the differential tests give rrdtool's exact input, including
	// COUNTER/DERIVE values beyond float64 precision.
	Raw []string
}

// Result is the answer of Fetch, as rrdtool fetch reports it.
type Result struct {
	Start, End time.Time
	Step       time.Duration
	DS         []string
	Rows       [][]float64 // Rows[i][j]: DS j at Time(i); NaN is unknown
}

// Time returns the timestamp of row i (Start + (i+1)*Step, as rrdtool fetch
// prints it).
func (r *Result) Time(i int) time.Time { return r.Start.Add(time.Duration(i+1) * r.Step) }

// Info is the whole state of a file, as rrdtool info prints it.
type Info struct {
	Filename   string
	Version    string // "0003"
	Step       time.Duration
	LastUpdate time.Time
	HeaderSize int64
	DS         []DSInfo
	RRA        []RRAInfo
}

// DSInfo is a data source with its update state.
type DSInfo struct {
	DS
	LastDS     string  // last value as text, "U" when unknown
	Value      float64 // accumulated value of the current primary data point
	UnknownSec int     // unknown seconds of the current primary data point
}

// RRAInfo is an archive with its consolidation state.
type RRAInfo struct {
	RRA
	CurRow int
	CDP    []CDPInfo // one per DS
}

// CDPInfo is the consolidation state of one DS in one archive.
type CDPInfo struct {
	Value             float64
	UnknownDatapoints int
}

// Sentinel errors; test with errors.Is.
var (
	// ErrNotNewer is returned by Update when a sample is not newer than the
	// last update; the file is left untouched.
	ErrNotNewer = errors.New("rrd: sample not newer than last update")
	// ErrInvalid is returned by Open for a file that is not a valid RRD
	// (truncated, corrupt, foreign layout or version).
	ErrInvalid = errors.New("rrd: not a valid RRD file")
)
