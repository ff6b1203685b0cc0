package anomaly

import (
	"math"
	"unsafe"
)

// Threshold is the default score at or above which a sample is reported as
// anomalous: the threshold NAB's optimiser chose for this detector under
// NAB's standard profile (see bench/nab.sh).
const Threshold = 0.5

// Config holds the detector's few settings. The zero Config means the
// defaults (DefaultConfig); a zero field means that field's default.
type Config struct {
	// Warmup is the number of (non-NaN) samples the detector only learns
	// from before it starts scoring; scores are 0 until then.
	Warmup int
}

// DefaultConfig returns the settings used for every series in Rogue and on
// NAB.
func DefaultConfig() Config {
	return Config{Warmup: defaultParams.warmup}
}

// Detector is a streaming anomaly detector for one series. Create it with
// New; it is not safe for concurrent use.
type Detector struct {
	p     params
	n     int64   // non-NaN samples seen
	last  float64 // last score returned
	lastT int64

	min, max float64 // range seen so far

	warm          [warmupMax]float64 // the warm-up samples
	warmT         [warmupMax]int64
	anchor, width float64            // the sequence memory's grid

	ctx  context // sequence memory
	lh   [nchan]likelihood
	rest int // samples left in the refractory period

	dbgRaw, dbgAvg float64
}

// New returns a detector with the given settings (zero fields: defaults).
func New(c Config) *Detector {
	d := &Detector{p: defaultParams}
	if c.Warmup > 0 {
		d.p.warmup = min(c.Warmup, warmupMax)
	}
	d.Reset()
	return d
}

// Reset forgets everything the detector has learned, keeping its settings.
func (d *Detector) Reset() {
	p := d.p
	*d = Detector{p: p}
	d.ctx.reset()
	for i := range d.lh {
		d.lh[i].reset()
	}
}

// Size returns the detector's memory footprint in bytes. It is fixed at
// New and does not grow with the number of samples.
func (d *Detector) Size() int { return int(unsafe.Sizeof(*d)) }

// Score returns the score of the last sample given to Update (0 before the
// first).
func (d *Detector) Score() float64 { return d.last }

// Update feeds the sample (t, v), t in Unix seconds and non-decreasing, and
// returns its anomaly score in [0, 1]. A NaN v is skipped: the state is
// unchanged and the previous score is returned.
func (d *Detector) Update(t int64, v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return d.last
	}
	d.last = d.step(t, v)
	return d.last
}
