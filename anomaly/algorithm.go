package anomaly

import "math"

// How a Detector scores a sample.
//
// Warm-up. The first warmup samples are only stored. At the end of the
// warm-up the detector fixes its quantisation grid (bin width: the warm-up
// range / bins, anchored at the first value; difference bin width: the mean
// absolute difference between consecutive warm-up samples) and replays the
// stored samples through the novelty channels to learn them. The grid never
// moves afterwards, so that a growing range does not relabel what was
// learned; values beyond the warm-up range simply fall into new bins. Bins
// are unbounded integers, so nothing is clipped.
//
// Novelty channels. Each sample is turned into four yes/no "is this new?"
// observations, remembered in one fixed-size hash set of sequences (a
// sequence memory in the spirit of CAD OSE and HTM, without their cost):
//
//   - sequence: the sample's bin after the previous one and after the
//     previous two (the fraction of these two contexts never seen before);
//   - time of day: the bin within the sample's half hour of the day
//     (catches a daily pattern that fails to happen, or happens at the
//     wrong time);
//   - hour of the week: the same for weekly patterns (a working day that
//     looks like a weekend);
//   - differences: the bin of the change from the previous sample after the
//     previous change's bin (catches changes of frequency and noise).
//
// Likelihood. A raw novelty says little by itself: a noisy series is full of
// new sequences, a clean one has none. As in Numenta's anomaly likelihood
// (Ahmad et al. 2017) each channel's raw values are turned into the
// probability of the recent ones given the history: the count of novelties
// in the last short samples, and in the last long samples, is compared with
// a Poisson distribution whose mean is the channel's long-run novelty rate
// (a running mean over up to rateWindow samples). The channel's score is
// the smaller of the two tail probabilities, p, on a logarithmic scale,
// -log10(p)/10 (so 0.5 means a 1-in-100,000 event and 1 means 1 in 10^10),
// as Numenta's detector reports its likelihood. The short window catches
// a burst of novelty, the long one a change that makes a little novelty
// all the time.
//
// Extremes. A value beyond the range seen so far gets the spatial score
// spatialBase + spatialGrade × (excess / range), capped at 1; multiplied by
// zDamp when the value is within zGate standard deviations of the recent
// mean (an exponentially weighted mean and variance), which is what a new
// record of plain noise looks like. A run of equal values that reaches
// runMin samples and more than twice the longest earlier run scores 1 (a
// stuck sensor, a flat line where the series used to move).
//
// The sample's score is the highest of the channels' and these. After a
// score at or above restLevel the next samples are capped just below it, so
// that one event is reported once (CAD OSE's rest period, Numenta's
// filtering of consecutive red likelihoods). The rest period is restFrac of
// the samples seen so far, within [rest, restMax]: a detector that has
// watched a series for long has seen its events last longer than a fixed
// rest, and NAB charges every repeated report of one event as a false
// positive.
//
// Every constant below was chosen on the Numenta Anomaly Benchmark with a Go
// port of its scorer (internal/nabscore), under the constraint that the
// synthetic cases of the tests hold at NAB's threshold; doc.go lists what
// was tried.
type params struct {
	warmup       int     // samples only stored, then learned at once
	bins         int     // grid bins across the warm-up range
	short        int     // window of the novelty counts (≤ shortMax)
	long         int     // the longer window of the novelty counts (≤ shortMax)
	rateWindow   int     // novelty rates average over up to this many samples
	todBuckets   int     // time-of-day buckets
	todWeight    float64 // weight of the time-of-day channel's score
	weekWeight   float64 // weight of the hour-of-week channel's score
	spatialBase  float64
	spatialGrade float64
	zGate        float64 // new extremes within zGate local SDs are damped
	zAlpha       float64 // weight of the newest sample in the local mean and variance
	zDamp        float64 // factor of the spatial score of such extremes
	runMin       int     // a run of equal values this long, and more than twice the longest before, is reported
	rest         int     // samples capped after a report, at least
	restFrac     float64 // the rest period is this fraction of the samples seen, within [rest, restMax]
	restMax      int
	restLevel    float64 // score that starts the rest period
}

var defaultParams = params{
	warmup:       150,
	bins:         10,
	short:        15,
	long:         30,
	rateWindow:   3000,
	todBuckets:   48,
	todWeight:    1.3,
	weekWeight:   1,
	spatialBase:  0.1,
	spatialGrade: 15,
	zGate:        5,
	zAlpha:       0.01,
	zDamp:        0.52,
	runMin:       30,
	rest:         20,
	restFrac:     0.03,
	restMax:      500,
	restLevel:    0.5,
}

const (
	warmupMax = 1024 // largest Config.Warmup
	tableBits = 15   // the sequence memory holds 2^15 sequences
	shortMax  = 64
	nchan     = 4
)

// Channels, also the hash salts of their sequences.
const (
	chanSeq = iota
	chanTime
	chanDiff
	chanWeek
	srcExtreme // not a channel: the score of an extreme or of a flat run
)

// saltWeek is the hash salt of the hour-of-week channel's sequences.
const saltWeek = chanWeek + 8

// step scores one non-NaN sample.
func (d *Detector) step(t int64, v float64) float64 {
	p := &d.p
	d.n++
	spatial := d.extreme(v)
	if d.n <= int64(p.warmup) {
		d.warm[d.n-1] = sample{t, v}
		if d.n == 1 {
			d.anchor = v
		}
		if d.n == int64(p.warmup) {
			d.endWarmup()
		}
		return 0
	}
	if d.width == 0 && d.max > d.min {
		// A flat warm-up: the grid starts with the first movement.
		d.width = (d.max - d.min) / float64(p.bins)
	}
	score := d.channels(t, v, true)
	if d.run >= p.runMin && d.run == max(p.runMin, 2*d.maxRun+1) {
		// A flat run twice as long as any before: a stuck series.
		score, d.why = 1, srcExtreme
	}
	if spatial > score {
		score, d.why = spatial, srcExtreme
	}
	if d.rest > 0 {
		d.rest--
		score = min(score, p.restLevel*0.99)
	} else if score >= p.restLevel {
		d.rest = max(p.rest, min(p.restMax, int(float64(d.n)*p.restFrac)))
	}
	return score
}

// extreme returns the spatial score of v and updates the range and the
// local mean and variance.
func (d *Detector) extreme(v float64) float64 {
	p := &d.p
	if d.n > 1 && v == d.lastV {
		d.run++
	} else {
		if d.n > 1 {
			d.maxRun = max(d.maxRun, d.run)
		}
		d.run = 1
	}
	d.lastV = v
	s := 0.0
	if d.n > 1 && d.max > d.min {
		r := d.max - d.min
		if ex := max(v-d.max, d.min-v); ex > 0 {
			s = min(1, p.spatialBase+ex/r*p.spatialGrade)
			if z := math.Abs(v-d.mean) / math.Sqrt(d.vari); !(z >= p.zGate) {
				s *= p.zDamp
			}
		}
	}
	if d.n == 1 {
		d.min, d.max, d.mean = v, v, v
		return 0
	}
	d.min, d.max = min(d.min, v), max(d.max, v)
	dv := v - d.mean
	d.mean += p.zAlpha * dv
	d.vari = (1 - p.zAlpha) * (d.vari + p.zAlpha*dv*dv)
	return s
}

// endWarmup fixes the grids and learns the warm-up samples.
func (d *Detector) endWarmup() {
	p := &d.p
	w := d.warm[:p.warmup]
	d.width = (d.max - d.min) / float64(p.bins)
	if len(w) > 1 {
		sum := 0.0
		for i := 1; i < len(w); i++ {
			sum += math.Abs(w[i].v - w[i-1].v)
		}
		d.dwidth = sum / float64(len(w)-1)
	}
	for _, s := range w {
		d.channels(s.t, s.v, false)
	}
}

// bin quantises v on the detector's grid.
func (d *Detector) bin(v float64) int32 {
	if d.width == 0 {
		return 0
	}
	return int32(min(max(math.Floor((v-d.anchor)/d.width), -1e9), 1e9))
}

// channels feeds v to the novelty channels and returns the highest of their
// likelihood scores (0 when not active, during the warm-up replay).
func (d *Detector) channels(t int64, v float64, active bool) float64 {
	p := &d.p
	q := d.bin(v)

	// Sequence: contexts of one and two previous bins.
	novel := 0
	for k := 0; k < 2 && k < d.nhist; k++ {
		key := uint64(uint32(q)) | uint64(uint32(d.hist[0]))<<32
		if k == 1 {
			key = key*0x9E3779B97F4A7C15 ^ uint64(uint32(d.hist[1]))
		}
		if d.mem.novel(uint64(chanSeq+4*k), key) {
			novel++
		}
	}
	raw := 1.0
	if n := min(d.nhist, 2); n > 0 {
		raw = float64(novel) / float64(n)
	}
	d.hist[1], d.hist[0] = d.hist[0], q
	d.nhist = min(d.nhist+1, 2)
	score := d.lh[chanSeq].update(raw, p, active)
	d.why = chanSeq

	// Time of day.
	b := uint64((t%86400+86400)%86400) * uint64(p.todBuckets) / 86400
	raw = 0
	if d.mem.novel(chanTime, b<<32|uint64(uint32(q))) {
		raw = 1
	}
	if s := d.lh[chanTime].update(raw, p, active) * p.todWeight; s > score {
		score, d.why = s, chanTime
	}

	// Hour of the week (bit 20 keeps its keys apart from the day's).
	wb := uint64(((t/3600)%168+168)%168) | 1<<20
	raw = 0
	if d.mem.novel(saltWeek, wb<<32|uint64(uint32(q))) {
		raw = 1
	}
	if s := d.lh[chanWeek].update(raw, p, active) * p.weekWeight; s > score {
		score, d.why = s, chanWeek
	}

	// Differences.
	raw = 0
	if d.dwidth > 0 {
		db := int32(min(max(math.Floor((v-d.prevV)/d.dwidth), -1e6), 1e6))
		if d.mem.novel(chanDiff, uint64(uint32(d.prevD))<<32|uint64(uint32(db))) {
			raw = 1
		}
		d.prevD = db
	}
	d.prevV = v
	if s := d.lh[chanDiff].update(raw, p, active); s > score {
		score, d.why = s, chanDiff
	}
	return min(score, 1)
}

// memory is a fixed-size set of hashed sequences: a direct-mapped table of
// 32-bit tags, where a newer sequence may evict an older one (which then
// counts as new again when it returns, as a forgotten pattern should).
type memory struct {
	table [1 << tableBits]uint32
}

// novel reports whether key (in channel ch) was not in the set, and adds it.
func (m *memory) novel(ch, key uint64) bool {
	h := (key ^ ch<<58 ^ 0x5bd1e995) * 0x9E3779B97F4A7C15
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	slot := h >> (64 - tableBits)
	tag := uint32(h) | 1
	if m.table[slot] == tag {
		return false
	}
	m.table[slot] = tag
	return true
}

// likelihood turns a channel's raw novelties into the log-scaled
// probability of the recent count of novelties given the channel's rate.
type likelihood struct {
	short [shortMax]float64 // the last raw values, a ring
	n     int               // raw values seen
	sum   float64           // of short
	lsum  float64           // of the last long values
	rate  float64           // mean raw value, over up to rateWindow samples
}

func (l *likelihood) update(raw float64, p *params, active bool) float64 {
	if l.n >= p.short {
		l.sum -= l.short[(l.n-p.short)%shortMax]
	}
	if l.n >= p.long {
		l.lsum -= l.short[(l.n-p.long)%shortMax]
	}
	l.short[l.n%shortMax] = raw
	l.sum += raw
	l.lsum += raw
	w := min(l.n+1, p.short)
	score := 0.0
	if active && l.n > 0 {
		lw := min(l.n+1, p.long)
		score = max(poissonScore(float64(w)*l.rate, int(math.Round(l.sum))),
			poissonScore(float64(lw)*l.rate, int(math.Round(l.lsum))))
	}
	l.n++
	l.rate += (raw - l.rate) / float64(min(l.n, p.rateWindow))
	return score
}

// logFact[k] is ln(k!).
var logFact = func() (f [shortMax + 1]float64) {
	for k := 1; k <= shortMax; k++ {
		f[k] = f[k-1] + math.Log(float64(k))
	}
	return f
}()

// poissonScore returns -log10(P(X ≥ k))/10 for X ~ Poisson(lam), clipped to
// [0, 1]: 0 for an unsurprising count, 1 for a 1-in-10^10 one.
func poissonScore(lam float64, k int) float64 {
	if k <= 0 {
		return 0
	}
	if lam <= 0 {
		return 0
	}
	// The k-th term, then the tail's sum relative to it.
	logt := -lam + float64(k)*math.Log(lam) - logFact[min(k, shortMax)]
	sum, term := 1.0, 1.0
	for j := k + 1; j < k+100; j++ {
		term *= lam / float64(j)
		sum += term
		if term < 1e-9*sum {
			break
		}
	}
	s := (logt + math.Log(sum)) / math.Log(1e-10)
	return min(max(s, 0), 1)
}
