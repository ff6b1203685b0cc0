package anomaly

import (
	"math"
	"unsafe"
)

// Threshold is the default score at or above which a sample is reported as
// anomalous: the threshold NAB's optimiser chose for this detector under
// NAB's standard profile (bench/nab.sh).
const Threshold = 0.50524

// Config holds the detector's settings. The zero Config means the defaults
// (DefaultConfig); a zero field means that field's default.
type Config struct {
	// Warmup is the number of (non-NaN) samples the detector only learns
	// from before it starts scoring; their scores are 0. At most 1024.
	Warmup int
}

// DefaultConfig returns the settings used for every series in Rogue and on
// NAB.
func DefaultConfig() Config {
	return Config{Warmup: defaultParams.warmup}
}

// sample is a stored warm-up sample.
type sample struct {
	t int64
	v float64
}

// Detector is a streaming anomaly detector for one series. Create it with
// New. It is not safe for concurrent use; use one per series.
type Detector struct {
	p    params
	n    int64   // non-NaN samples seen
	last float64 // last score returned

	min, max    float64 // range seen so far
	mean, vari  float64 // local (exponentially weighted) mean and variance
	lastV       float64 // the previous value
	run, maxRun int     // the current run of equal values, the longest before
	warm        [warmupMax]sample
	anchor      float64 // the grid: bin i is [anchor+i*width, anchor+(i+1)*width)
	width       float64
	dwidth      float64 // bin width of the differences
	hist        [2]int32
	nhist       int
	prevV       float64
	prevD       int32
	mem         memory
	lh          [nchan]likelihood
	rest        int  // samples left in the rest period
	why         int8 // what gave the last score: a channel or srcExtreme (for diagnostics)
}

// New returns a detector with the given settings (zero fields: defaults).
func New(c Config) *Detector {
	d := &Detector{p: defaultParams}
	if c.Warmup > 0 {
		d.p.warmup = min(c.Warmup, warmupMax)
	}
	return d
}

// Reset forgets everything the detector has learned, keeping its settings.
func (d *Detector) Reset() {
	p := d.p
	*d = Detector{p: p}
}

// Size returns the detector's memory footprint in bytes: fixed at New,
// whatever the number of samples.
func (d *Detector) Size() int { return int(unsafe.Sizeof(*d)) }

// Score returns the score of the last sample given to Update (0 before the
// first).
func (d *Detector) Score() float64 { return d.last }

// Update feeds the next sample (t, v), t in Unix seconds, and returns its
// anomaly score in [0, 1]. Samples are taken in the order given; t serves
// only to place the sample in its day, so a clock step back does no harm.
// A NaN or infinite v is skipped: the state is unchanged and the previous
// score is returned.
func (d *Detector) Update(t int64, v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return d.last
	}
	d.last = d.step(t, v)
	return d.last
}
