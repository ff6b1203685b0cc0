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
	rawOut       bool    // output the raw novelty instead of its likelihood
	tod          int     // time-of-day buckets of the time channel (0: off)
	todWeight    float64 // the time channel's score is multiplied by this
	diff         bool    // channel of first differences
	diffScale    float64 // its bin width: mean |difference| in the warm-up times this
	diffWeight   float64
	combine      bool    // one likelihood of the channels' weighted mean novelty
	ev           bool    // spatial score from the excess over past records
	evMinBeta    float64 // floor of the record scale, fraction of the range
	evWeight     float64
	evN          float64 // >0: the record probability's n, instead of the sample count
	evMin        bool    // spatial score: the lower of the range and record scores
	zGate        float64 // >0: spatial scores of values within zGate local SDs are damped
	zDamp        float64
	zAlpha       float64 // weight of the local mean and variance
	pois         bool    // Poisson likelihood of the novelty count
	minRate      float64 // floor of the novelty rate
	disp         bool    // quasi-Poisson: allow for the counts' overdispersion
}

var defaultParams = params{
	diff:         true,
	evN:          20000,
	evMin:        true,
	ev:           true,
	pois:         true,
	spatialBase:  0.3,
	spatialGrade: 30,
	warmup:       150,
	bins:         10,
	short:        20,
	minStd:       0.05,
	rest:         20,
	restLevel:    0.35,
	restDamp:     0.99,
	tod:          48,
	todWeight:    1.2,
	diffScale:    1,
	diffWeight:   1,
	evWeight:     1,
	zDamp:        0.5,
	zAlpha:       0.01,
	evMinBeta:    0.003,
	orders:       2,
	hist:         4000,
	spatialTol:   0,
}

const (
	warmupMax = 1024
	maxOrders = 8
	tableBits = 15
	shortMax  = 64
	histMax   = 8192
	nchan     = 3
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
		if p.ev && ex > 0 {
			// A new record: how improbable is its excess, given how far
			// records have gone past each other so far?
			beta := d.recHi / float64(max(d.nrecHi, 1))
			if v < d.min {
				beta = d.recLo / float64(max(d.nrecLo, 1))
			}
			beta = max(beta, r*p.evMinBeta)
			nn := float64(d.n)
			if p.evN > 0 {
				nn = p.evN
			}
			logp := math.Log(2/nn) - ex/beta
			spatial = min(1, max(0, logp/math.Log(1e-10))) * p.evWeight
		}
	}
	if p.zGate > 0 {
		if d.n > 1 {
			z := math.Abs(v-d.zm) / math.Sqrt(max(d.zv, 1e-300))
			if !(z >= p.zGate) {
				spatial *= p.zDamp
			}
		}
		a := p.zAlpha
		if d.n == 1 {
			d.zm, d.zv = v, 0
		} else {
			dv := v - d.zm
			d.zm += a * dv
			d.zv = (1 - a) * (d.zv + a*dv*dv)
		}
	}
	if d.n > 1 && v > d.max {
		d.recHi += v - d.max
		d.nrecHi++
	}
	if d.n > 1 && v < d.min {
		d.recLo += d.min - v
		d.nrecLo++
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
			sum := 0.0
			for i := 1; i < int(d.n); i++ {
				sum += math.Abs(d.warm[i] - d.warm[i-1])
			}
			d.dwidth = sum / float64(d.n-1) * p.diffScale
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
	d.dbgSp = spatial
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
	var raws [nchan]float64
	var ws [nchan]float64
	raws[0], ws[0] = d.ctx.observe(q, p.orders), 1
	if p.tod > 0 {
		b := uint64((t%86400+86400)%86400) * uint64(p.tod) / 86400
		if d.ctx.novel(1, b<<32|uint64(uint32(q))) {
			raws[1] = 1
		}
		ws[1] = p.todWeight
	}
	if p.diff && d.dwidth > 0 {
		b := int32(min(max(math.Floor((v-d.prevV)/d.dwidth), -1e6), 1e6))
		if d.ctx.novel(2, uint64(uint32(d.prevD))<<32|uint64(uint32(b))) {
			raws[2] = 1
		}
		d.prevD = b
		ws[2] = p.diffWeight
	}
	d.prevV = v
	d.dbgRaw = raws[0]
	if p.combine {
		raw, wsum := 0.0, 0.0
		for i := range raws {
			raw += raws[i] * ws[i]
			wsum += ws[i]
		}
		return d.lh[0].update(raw/wsum, p, active)
	}
	score := 0.0
	for i := range raws {
		if ws[i] > 0 {
			d.dbgS[i] = d.lh[i].update(raws[i], p, active) * ws[i]
			score = max(score, d.dbgS[i])
		}
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
	rate      float64 // pois: mean raw score (novelty rate)
	cmean     float64 // pois: mean and variance of the window's count
	cvar      float64
	nrate     int
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
	if p.pois {
		lam := float64(n) * max(l.rate, p.minRate)
		k := l.shortSum
		if active && l.nrate > 0 {
			phi := 1.0
			if p.disp && l.nrate > n {
				// Novelties come in clusters: scale by the window count's
				// observed dispersion (a quasi-Poisson model).
				phi = max(1, l.cvar/max(l.cmean, 1e-9))
			}
			score = poissonScore(lam/phi, int(math.Round(k/phi)))
		}
		l.nrate++
		a := 1 / float64(min(l.nrate, p.hist))
		l.rate += (raw - l.rate) * a
		d := k - l.cmean
		l.cmean += d * a
		l.cvar += (d*(k-l.cmean) - l.cvar) * a
		return score
	}
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

// poissonScore returns -log10(P(X >= k))/10 for X ~ Poisson(lam), clipped
// to [0, 1]: 0 for an unsurprising count, 1 for a 1e-10 event.
func poissonScore(lam float64, k int) float64 {
	if k <= 0 || lam <= 0 {
		return 0
	}
	// log of the k-th term, then the sum of the tail terms relative to it.
	lg, _ := math.Lgamma(float64(k + 1))
	logt := -lam + float64(k)*math.Log(lam) - lg
	sum, term := 1.0, 1.0
	for j := k + 1; j < k+60; j++ {
		term *= lam / float64(j)
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	lp := logt + math.Log(sum)
	s := lp / math.Log(1e-10)
	return min(max(s, 0), 1)
}
