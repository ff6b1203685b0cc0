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
}

var defaultParams = params{
	warmup:     150,
	bins:       16,
	orders:     6,
	short:      10,
	hist:       4096,
	minStd:     0.05,
	spatialTol: 0.05,
	rest:       30,
	restLevel:  0.5,
}

const (
	maxOrders = 8
	tableBits = 15
	shortMax  = 64
	histMax   = 8192
)

// step scores one non-NaN sample.
func (d *Detector) step(t int64, v float64) float64 {
	p := &d.p
	d.n++
	d.lastT = t

	// Spatial novelty: a value well outside the range seen so far.
	spatial := false
	if d.n > 1 && d.max > d.min {
		tol := (d.max - d.min) * p.spatialTol
		spatial = v > d.max+tol || v < d.min-tol
	}
	if d.n == 1 || v < d.min {
		d.min = v
	}
	if d.n == 1 || v > d.max {
		d.max = v
	}

	// Sequence novelty: how many of the contexts ending in this value were
	// never seen before.
	q := 0
	if d.max > d.min {
		q = int((v - d.min) / (d.max - d.min) * float64(p.bins))
		if q >= p.bins {
			q = p.bins - 1
		}
	}
	raw := d.ctx.observe(uint8(q), p.orders)

	score := d.lh.update(raw, p, d.n > int64(p.warmup))
	if spatial && d.n > int64(p.warmup) {
		score = 1
	}
	if d.n <= int64(p.warmup) {
		return 0
	}
	if d.rest > 0 {
		d.rest--
		if score >= p.restLevel {
			score = p.restLevel * 0.99
		}
	} else if score >= p.restLevel {
		d.rest = p.rest
	}
	return score
}

// context is a sequence memory: it remembers which short sequences of
// quantised values have occurred, in a fixed-size hash set.
type context struct {
	hist  [maxOrders]uint8 // last values, hist[0] newest
	nhist int
	table [1 << tableBits]uint32
}

func (c *context) reset() { *c = context{} }

// observe records q after the current history and returns the fraction of
// context lengths for which the sequence was new.
func (c *context) observe(q uint8, orders int) float64 {
	novel, total := 0, 0
	h := uint64(14695981039346656037)
	for k := 0; k < orders && k < c.nhist; k++ {
		h = (h ^ uint64(c.hist[k]) ^ uint64(k)<<8) * 1099511628211
		key := (h ^ uint64(q)<<16) * 0x9E3779B97F4A7C15
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
