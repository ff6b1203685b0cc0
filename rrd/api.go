package rrd

// API CONTRACT (scaffold written by the lead; the rrd engine owner replaces
// the bodies and may move declarations into other files, but must keep these
// exported names and signatures, because agent, sync and app code against
// them).

import (
	"errors"
	"io"
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
	Name      string        // 1–19 characters of [a-zA-Z0-9_]
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
	Values []float64 // one per DS, in definition order; NaN means unknown
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

// Create writes a new RRD file at path. It refuses an existing file (the
// error wraps fs.ErrExist) and never leaves a partial file behind.
func Create(path string, def Definition) error { return errTODO }

// File is an open RRD file.
type File struct{}

// Open opens and validates an RRD file, read-write when permitted.
func Open(path string) (*File, error) { return nil, errTODO }

// Path returns the file's path.
func (f *File) Path() string { return "" }

// Close closes the file.
func (f *File) Close() error { return errTODO }

// Definition returns the file's definition; Start is the last update time.
func (f *File) Definition() Definition { return Definition{} }

// LastUpdate returns the time of the last update (re-read from disk).
func (f *File) LastUpdate() (time.Time, error) { return time.Time{}, errTODO }

// Info returns the file's full state (re-read from disk).
func (f *File) Info() (*Info, error) { return nil, errTODO }

// Update applies samples in order under rrdtool's fcntl write lock. Times
// must be strictly increasing and newer than the last update, else nothing
// is written and the error wraps ErrNotNewer.
func (f *File) Update(samples ...Sample) error { return errTODO }

// Fetch returns consolidated rows as rrdtool fetch does: it picks the archive
// for cf and resolution and aligns start and end the same way.
func (f *File) Fetch(cf CF, start, end time.Time, resolution time.Duration) (*Result, error) {
	return nil, errTODO
}

// Dump writes the file as rrdtool dump's XML.
func (f *File) Dump(w io.Writer) error { return errTODO }

var errTODO = errors.New("rrd: not implemented yet")
