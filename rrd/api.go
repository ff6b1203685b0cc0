package rrd

import (
	"errors"
	"fmt"
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
	// DCounter and DDerive are COUNTER and DERIVE for readings with
	// fractions (rrdtool 1.5 and later, file version 0005); a DCOUNTER
	// that changes direction counts as reset.
	DCounter DSType = "DCOUNTER"
	DDerive  DSType = "DDERIVE"
	// Compute derives its value from the other data sources' primary data
	// points with an RPN expression (DS.CDEF); it takes no readings.
	Compute DSType = "COMPUTE"
)

// CF is a consolidation function.
type CF string

// Consolidation functions.
const (
	Average CF = "AVERAGE"
	Min     CF = "MIN"
	Max     CF = "MAX"
	Last    CF = "LAST"
	// The Holt-Winters archives of aberrant behaviour detection (see
	// rrdcreate(1)): HWPREDICT and MHWPREDICT (multiplicative) hold the
	// predictions and depend on a SEASONAL archive of seasonal
	// coefficients; DEVSEASONAL holds the seasonal deviations, DEVPREDICT
	// the predicted deviations and FAILURES the failure flags.
	HWPredict   CF = "HWPREDICT"
	MHWPredict  CF = "MHWPREDICT"
	Seasonal    CF = "SEASONAL"
	DevSeasonal CF = "DEVSEASONAL"
	DevPredict  CF = "DEVPREDICT"
	Failures    CF = "FAILURES"
)

// isHW reports whether cf is one of the Holt-Winters archives.
func (cf CF) isHW() bool {
	switch cf {
	case HWPredict, MHWPredict, Seasonal, DevSeasonal, DevPredict, Failures:
		return true
	}
	return false
}

// DS defines a data source.
type DS struct {
	Name      string        // 1–19 characters of [a-zA-Z0-9_-], as rrdtool allows
	Type      DSType        // GAUGE, COUNTER, DERIVE, ABSOLUTE, DCOUNTER, DDERIVE or COMPUTE
	Heartbeat time.Duration // whole seconds; unused by COMPUTE
	Min, Max  float64       // NaN means unbounded ("U"); unused by COMPUTE
	// CDEF is the RPN expression of a COMPUTE data source, as rrdtool
	// prints it ("in,out,+"): numbers must be integers of 16 bits, names
	// are other data sources, at most 19 terms.
	CDEF string
}

// RRA defines a round-robin archive. The fields after Rows are the
// parameters of the Holt-Winters archives, with rrdtool's names; rrdtool's
// defaults apply where they are zero on Create.
type RRA struct {
	CF    CF
	XFF   float64 // 0 <= XFF < 1; AVERAGE, MIN, MAX, LAST only
	Steps int     // primary data points per row (1 for Holt-Winters archives)
	Rows  int

	Alpha, Beta float64 // HWPREDICT, MHWPREDICT: smoothing of intercept and slope
	// Period is the seasonal period of HWPREDICT and MHWPREDICT in steps;
	// Create uses it when it makes the dependent archives.
	Period int
	// Gamma smoothes the coefficients of SEASONAL and DEVSEASONAL;
	// SmoothingWindow is the fraction of the period their smoother
	// averages (written to version 0004 files only) and SmoothIdx the row
	// where it runs (rrdtool derives it from the file name).
	Gamma, SmoothingWindow float64
	SmoothIdx              int
	// DeltaPos, DeltaNeg, Threshold and Window are FAILURES' confidence
	// band scaling, failure count and window length.
	DeltaPos, DeltaNeg float64
	Threshold, Window  int
	// Dependent is the 1-based index of the related archive: SEASONAL for
	// HWPREDICT, HWPREDICT for SEASONAL and DEVSEASONAL, DEVSEASONAL for
	// DEVPREDICT and FAILURES. On Create, 0 for HWPREDICT asks for
	// rrdtool's implicit SEASONAL, DEVSEASONAL, DEVPREDICT and FAILURES
	// archives, appended after it.
	Dependent int
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
	Values []float64 // one per DS, in definition order; NaN means unknown; whole numbers for COUNTER and DERIVE; COMPUTE's are not used
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
	Value             float64 // AVERAGE, MIN, MAX, LAST
	UnknownDatapoints int     // AVERAGE, MIN, MAX, LAST
	Intercept, Slope  float64 // HWPREDICT, MHWPREDICT
	NaNCount          int     // HWPREDICT, MHWPREDICT
	Seasonal          float64 // SEASONAL
	Deviation         float64 // DEVSEASONAL
	History           string  // FAILURES: the violation flags of the window, as rrdtool info prints them
}

// Sentinel errors; test with errors.Is.
var (
	// ErrNotNewer is returned by Update when a sample is not newer than the
	// last update; the file is left untouched.
	ErrNotNewer = errors.New("rrd: sample not newer than last update")
	// ErrInvalid is returned by Open for a file that is not a valid RRD
	// (truncated, corrupt, foreign layout or version).
	ErrInvalid = errors.New("rrd: not a valid RRD file")
	// ErrTempFile is wrapped by the error of Create (and CreateWith) when
	// the temporary file next to the new one cannot be made: the folder
	// is missing, or not writable.
	ErrTempFile = errors.New("rrd: cannot create temporary file")
)

// A ShortFileError is returned by Open, wrapping ErrInvalid, for a file
// shorter than its header says it is.
type ShortFileError struct {
	Size int64 // the file's length
	// Part is the header part that does not fit, in rrdtool's names
	// ("stat_head", "ds_def", "rra_def", "live_head", "legacy_last_up",
	// "pdp_prep", "cdp_prep", "rra_ptr"), or "" when the header fits and
	// the rows do not.
	Part string
	Want int64 // the length the rows need (Part == "")
}

func (e *ShortFileError) Error() string {
	switch {
	case e.Part == "stat_head":
		return fmt.Sprintf("%v: file is %d bytes, shorter than an RRD header", ErrInvalid, e.Size)
	case e.Part != "":
		return fmt.Sprintf("%v: header does not fit in %d bytes (reached the end in %s)", ErrInvalid, e.Size, e.Part)
	}
	return fmt.Sprintf("%v: file is %d bytes, too small for its archives (should be %d)", ErrInvalid, e.Size, e.Want)
}

// Unwrap returns ErrInvalid.
func (e *ShortFileError) Unwrap() error { return ErrInvalid }

// A SampleError is returned (wrapped) by Update and UpdateUntilError for a
// sample that cannot be applied; Err is the reason, in rrdtool's words
// where rrdtool has them.
type SampleError struct {
	Index int       // the sample's position in the call
	Time  time.Time // its time
	Err   error
}

func (e *SampleError) Error() string {
	return fmt.Sprintf("sample %d (%s): %v", e.Index, e.Time.Format(time.RFC3339Nano), e.Err)
}

// Unwrap returns Err.
func (e *SampleError) Unwrap() error { return e.Err }
