package anomaly

import "math"

// The algorithm.
//
// TODO(anomaly): describe the final algorithm and the NAB scores of the
// variants tried.

// params are the detector's internal constants; the same for every series.
type params struct {
	warmup     int     // samples before scoring starts
	bins       int     // quantisation levels of the sequence memory
	orders     int     // context lengths 1..orders
	short      int     // raw scores averaged for the likelihood (≤ shortMax)
	hist       int     // raw-score averages in the likelihood's history (≤ histMax)
	minStd     float64 // floor of the likelihood's standard deviation
	spatialTol float64 // fraction of the seen range beyond which a value is new
	rest       int     // refractory samples after a detection
	restLevel  float64 // score that starts a refractory period
	restDamp   float64 // scores during the refractory period are capped at restLevel*restDamp

	spatialGrade float64 // >0: spatial score spatialBase + excess/range*spatialGrade
	spatialBase  float64
	rawOut       bool // output the raw novelty instead of its likelihood
	tod          int     // time-of-day buckets of the time channel (0: off)
	todWeight    float64 // the time channel's score is multiplied by this
}

var defaultParams = params{
	warmup:     150,
	bins:       16,
	short:      10,
	minStd:     0.05,
	rest:       30,
	restLevel:  0.5,
	restDamp:   0.99,
	tod:        0,
	todWeight:  1,
	orders:     1,
	hist:       8000,
	spatialTol: 0,
}

const (
	warmupMax = 1024
	maxOrders = 8
	tableBits = 15
	shortMax  = 64
	histMax   = 8192
	nchan     = 2
)

// step scores one non-NaN sample.
func (d *Detector) step(t int64, v float64) float64 {
	p := &d.p
	d.n++
	d.lastT = t

	// Spatial novelty: a value outside the range seen so far.
	spatial := 0.0
	if d.n > 1 && d.max > d.min {
		r := d.max - d.min
		ex := max(v-d.max, d.min-v)
		if ex > r*p.spatialTol {
			spatial = 1
			if p.spatialGrade > 0 {
				spatial = min(1, p.spatialBase+ex/r*p.spatialGrade)
			}
		}
	}
	if d.n == 1 || v < d.min {
		d.min = v
	}
	if d.n == 1 || v > d.max {
		d.max = v
	}

	// Sequence novelty on a grid fixed at the end of the warm-up: bin width
	// is the warm-up range / bins, anchored at the first value.
	if d.n <= int64(p.warmup) {
		d.warm[d.n-1] = v
		d.warmT[d.n-1] = t
		if d.n == 1 {
			d.anchor = v
		}
		if d.n == int64(p.warmup) {
			d.width = (d.max - d.min) / float64(p.bins)
			for i, w := range d.warm[:d.n] {
				d.channels(d.warmT[i], w, false)
			}
		}
		return 0
	}
	if d.width == 0 && d.max > d.min {
		d.width = (d.max - d.min) / float64(p.bins)
	}
	score := d.channels(t, v, true)
	score = max(score, spatial)
	if d.rest > 0 {
		d.rest--
		if score >= p.restLevel {
			score = p.restLevel * p.restDamp
		}
	} else if score >= p.restLevel {
		d.rest = p.rest
	}
	return score
}

// channels feeds v to every novelty channel and returns the highest
// likelihood score.
func (d *Detector) channels(t int64, v float64, active bool) float64 {
	p := &d.p
	q := d.bin(v)
	score := 0.0
	raw := d.ctx.observe(q, p.orders)
	d.dbgRaw = raw
	s := d.lh[0].update(raw, p, active)
	if p.rawOut {
		s = raw
	}
	score = max(score, s)
	if p.tod > 0 {
		b := uint64((t%86400+86400)%86400) * uint64(p.tod) / 86400
		raw := 0.0
		if d.ctx.novel(1, b<<32|uint64(uint32(q))) {
			raw = 1
		}
		s := d.lh[1].update(raw, p, active)
		score = max(score, s*p.todWeight)
	}
	return score
}

// bin quantises v on the detector's grid.
func (d *Detector) bin(v float64) int32 {
	if d.width == 0 {
		return 0
	}
	b := math.Floor((v - d.anchor) / d.width)
	return int32(min(max(b, -1e9), 1e9))
}

// context is a sequence memory: it remembers which short sequences of
// quantised values have occurred, in a fixed-size hash set.
type context struct {
	hist  [maxOrders]int32 // last values, hist[0] newest
	nhist int
	table [1 << tableBits]uint32
}

func (c *context) reset() { *c = context{} }

// observe records q after the current history and returns the fraction of
// context lengths for which the sequence was new.
func (c *context) observe(q int32, orders int) float64 {
	novel, total := 0, 0
	h := uint64(14695981039346656037)
	for k := 0; k < orders && k < c.nhist; k++ {
		h = (h ^ uint64(c.hist[k]) ^ uint64(k)<<8) * 1099511628211
		key := (h ^ uint64(uint32(q))<<20) * 0x9E3779B97F4A7C15
		slot := key >> (64 - tableBits)
		tag := uint32(key) | 1
		total++
		if c.table[slot] != tag {
			novel++
			c.table[slot] = tag
		}
	}
	copy(c.hist[1:], c.hist[:maxOrders-1])
	c.hist[0] = q
	if c.nhist < maxOrders {
		c.nhist++
	}
	if total == 0 {
		return 1
	}
	return float64(novel) / float64(total)
}

// novel reports whether key (in channel ch) was never seen, and remembers it.
func (c *context) novel(ch, key uint64) bool {
	h := (key ^ ch<<60 ^ 0x5bd1e995) * 0x9E3779B97F4A7C15
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	slot := h >> (64 - tableBits)
	tag := uint32(h) | 1
	if c.table[slot] == tag {
		return false
	}
	c.table[slot] = tag
	return true
}

// likelihood turns raw novelty scores into the probability that their recent
// average is unusually high, as in Numenta's anomaly likelihood (Ahmad et
// al. 2017).
type likelihood struct {
	short     [shortMax]float64
	nshort    int
	shortSum  float64
	hist      [histMax]float32
	nhist     int
	sum, sum2 float64
	pos       int
}

func (l *likelihood) reset() { *l = likelihood{} }

func (l *likelihood) update(raw float64, p *params, active bool) float64 {
	i := l.nshort % p.short
	if l.nshort >= p.short {
		l.shortSum -= l.short[i]
	}
	l.short[i] = raw
	l.shortSum += raw
	l.nshort++
	n := min(l.nshort, p.short)
	avg := l.shortSum / float64(n)

	score := 0.0
	if active && l.nhist > 1 {
		mean := l.sum / float64(l.nhist)
		v := l.sum2/float64(l.nhist) - mean*mean
		std := math.Sqrt(max(v, 0))
		std = max(std, p.minStd)
		z := (avg - mean) / std
		tail := 0.5 * math.Erfc(z/math.Sqrt2)
		score = math.Log(tail+1e-10) / math.Log(1e-10)
		score = min(max(score, 0), 1)
	}

	j := l.pos
	if l.nhist == p.hist {
		old := float64(l.hist[j])
		l.sum -= old
		l.sum2 -= old * old
	} else {
		l.nhist++
	}
	l.hist[j] = float32(avg)
	a := float64(l.hist[j])
	l.sum += a
	l.sum2 += a * a
	l.pos = (j + 1) % p.hist
	return score
}
