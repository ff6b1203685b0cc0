package rrd

import (
	"fmt"
	"math"
)

// Holt-Winters archives (aberrant behaviour detection), following rrdtool
// 1.7.2's rrd_hw.c, rrd_hw_update.c and rrd_hw_math.c. They hold one
// primary data point per row. HWPREDICT (or MHWPREDICT, multiplicative)
// keeps the intercept and slope of the prediction in its consolidation
// state and the predictions in its rows; SEASONAL keeps the seasonal
// coefficients and DEVSEASONAL the seasonal deviations in their rows (one
// season), which update reads back; DEVPREDICT copies the deviations and
// FAILURES records, per step, whether enough recent values left the
// confidence band. A smoother runs over the seasonal rows once per season
// (at most once per Update call).

// burninCycles is how many seasons the smoother runs at the end of a
// season before it moves to the archive's smoothing row.
const burninCycles = 3

// hwFuncs are the additive or multiplicative Holt-Winters formulas.
type hwFuncs struct {
	multiplicative bool
	identity       float64
}

var (
	hwAdditive       = &hwFuncs{identity: 0}
	hwMultiplicative = &hwFuncs{multiplicative: true, identity: 1}
)

func (h *hwFuncs) predict(intercept, slope float64, nullCount uint64, seasonal float64) float64 {
	n := float64(int32(nullCount)) // rrdtool passes the count as an int
	if h.multiplicative {
		return float64(intercept+float64(slope*n)) * seasonal
	}
	return intercept + float64(slope*n) + seasonal
}

func (h *hwFuncs) intercept(alpha, observed, seasonal float64, s *state, o int64) float64 {
	prev := s.f64(o+cdpOffIntercept) + float64(s.f64(o+cdpOffSlope)*float64(s.u64(o+cdpOffNullCnt)))
	if h.multiplicative {
		if seasonal <= 0 {
			return dnan
		}
		return float64(alpha*(observed/seasonal)) + float64((1-alpha)*prev)
	}
	return float64(alpha*(observed-seasonal)) + float64((1-alpha)*prev)
}

func hwSlope(beta float64, s *state, o int64) float64 {
	return float64(beta*(s.f64(o+cdpOffIntercept)-s.f64(o+cdpOffLastInt))) + float64((1-beta)*s.f64(o+cdpOffSlope))
}

func (h *hwFuncs) seasonality(gamma, observed, intercept, seasonal float64) float64 {
	if h.multiplicative {
		if intercept <= 0 {
			return dnan
		}
		return float64(gamma*(observed/intercept)) + float64((1-gamma)*seasonal)
	}
	return float64(gamma*(observed-intercept)) + float64((1-gamma)*seasonal)
}

func (h *hwFuncs) initSeasonality(seasonal, intercept float64) float64 {
	if h.multiplicative {
		if intercept <= 0 {
			return dnan
		}
		return seasonal / intercept
	}
	return seasonal - intercept
}

func hwSeasonalDeviation(gamma, prediction, observed, last float64) float64 {
	return float64(gamma*math.Abs(prediction-observed)) + float64((1-gamma)*last)
}

// hwFuncsOf returns the formulas of the HWPREDICT or MHWPREDICT archive
// hw, or nil.
func hwFuncsOf(l *layout, hw uint64) *hwFuncs {
	if hw >= uint64(len(l.rra)) {
		return nil
	}
	switch l.rra[hw].cf {
	case HWPredict:
		return hwAdditive
	case MHWPredict:
		return hwMultiplicative
	}
	return nil
}

// checkHW checks the dependencies of the Holt-Winters archives, which
// update follows: rrdtool would read out of bounds on a broken file.
func (l *layout) checkHW() error {
	n := uint64(len(l.rra))
	for i, a := range l.rra {
		if !a.cf.isHW() {
			continue
		}
		dep := a.par[parDependent]
		ok := dep < n && a.pdpCnt == 1
		if ok {
			switch a.cf {
			case HWPredict, MHWPredict:
				ok = l.rra[dep].cf == Seasonal
			case Seasonal, DevSeasonal:
				ok = hwFuncsOf(l, dep) != nil
			case DevPredict:
				ok = l.rra[dep].cf == DevSeasonal
			case Failures:
				ok = l.rra[dep].cf == DevSeasonal && hwFuncsOf(l, l.rra[dep].par[parDependent]) != nil &&
					l.rra[l.rra[dep].par[parDependent]].par[parDependent] < n && a.par[parWindowLen] <= maxFailWindow
			}
		}
		if !ok {
			// Counted from 1, as rra-num in a definition is.
			what := "which does not exist"
			if dep < n {
				what = fmt.Sprintf("(%s), not an archive it can depend on", l.rra[dep].cf)
			}
			return fmt.Errorf("RRA %d (%s) has inconsistent Holt-Winters dependencies: it depends on RRA %d %s; rrdtool takes such a file and updates it from unrelated archives, Rogue reads it but does not write it", i+1, a.cf, dep+1, what)
		}
	}
	return nil
}

// rowBytes returns the bytes of row `row` of archive r as they are after
// the writes queued so far: update reads back seasonal rows it may just
// have written.
func (u *updater) rowBytes(s *state, r int, row uint64) ([]byte, error) {
	l := s.l
	n := len(l.ds) * valueSize
	off := l.rraOff[r] + int64(row)*int64(n)
	if w, ok := u.pend[off]; ok {
		return u.wbuf[w : w+n], nil
	}
	if cap(u.rowBuf) < n {
		u.rowBuf = make([]byte, n)
	}
	b := u.rowBuf[:n]
	if _, err := u.rd.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("read seasonal row: %w", err)
	}
	return b, nil
}

// lookupSeasonal reads row cur_row+offset (wrapping) of archive r into
// dst, as rrdtool's lookup_seasonal.
func (u *updater) lookupSeasonal(s *state, r int, offset uint64, dst []float64) error {
	rows := s.l.rra[r].rows
	idx := s.curRow(r) + offset
	if idx >= rows {
		idx %= rows
	}
	b, err := u.rowBytes(s, r, idx)
	if err != nil {
		return err
	}
	for d := range dst {
		dst[d] = math.Float64frombits(le.Uint64(b[d*valueSize:]))
	}
	return nil
}

// scheduleSmooth is rrdtool's do_schedule_smooth: whether the smoother is
// due for archive r, counting the burn-in seasons in the first data
// source's init flag.
func scheduleSmooth(s *state, r int, elapsed uint64) bool {
	a := s.l.rra[r]
	cur, rows, idx := s.curRow(r), a.rows, a.par[parSmoothIdx]
	o := s.cdp(r, 0) + cdpOffNullCnt
	if init := s.u64(o); init > burninCycles {
		if idx > cur {
			return cur+elapsed >= idx
		}
		return cur+elapsed >= rows && cur+elapsed >= rows+idx
	}
	if cur+elapsed >= rows {
		s.setU64(o, s.u64(o)+1)
		return true
	}
	return false
}

// eraseViolations clears the window of a FAILURES archive's state.
func eraseViolations(s *state, r, d int) {
	o := s.cdp(r, d)
	for i := int64(s.l.rra[r].par[parWindowLen]); i > 0; i-- {
		s.b[o+i-1] = 0
	}
}

// resetCDP is rrdtool's reset_cdp for one-step archives when more than
// two steps passed: no learning from a bulk update.
func (u *updater) resetCDP(s *state, r, d int, elapsed uint64, pt float64) {
	o := s.cdp(r, d)
	switch s.l.rra[r].cf {
	case Seasonal, DevSeasonal:
		s.setF64(o+cdpOffLastInt, u.lastSeas[d])
		s.setF64(o+cdpOffIntercept, u.seas[d])
	case HWPredict, MHWPredict:
		s.setU64(o+cdpOffNullCnt, s.u64(o+cdpOffNullCnt)+elapsed)
		s.setU64(o+cdpOffLastNull, s.u64(o+cdpOffLastNull)+elapsed-1)
		s.setF64(o+cdpOffPrimary, dnan)
		s.setF64(o+cdpOffSecondary, dnan)
	case DevPredict:
		s.setF64(o+cdpOffPrimary, dnan)
		s.setF64(o+cdpOffSecondary, dnan)
	case Failures:
		s.setF64(o+cdpOffPrimary, 0)
		s.setF64(o+cdpOffSecondary, 0)
		eraseViolations(s, r, d)
	default:
		s.setF64(o+cdpOffPrimary, pt)
		s.setF64(o+cdpOffSecondary, pt)
	}
}

// aberrantCDPs is rrdtool's update_aberrant_cdps: for one or two elapsed
// steps, every one-step archive takes the primary data point (first into
// the primary value, then the secondary one), and the Holt-Winters
// archives learn from it.
func (u *updater) aberrantCDPs(s *state, elapsed uint64) error {
	l := s.l
	idx := int64(cdpOffPrimary)
	for j := elapsed; j > 0 && j < 3; j-- {
		for r, a := range l.rra {
			if a.pdpCnt != 1 {
				continue
			}
			if a.cf == Seasonal || a.cf == DevSeasonal {
				off := elapsed + 1
				if idx == cdpOffSecondary {
					off = elapsed + 2
				}
				if err := u.lookupSeasonal(s, r, off, u.seas); err != nil {
					return err
				}
			}
			for d := range l.ds {
				u.aberrantCF(s, r, d, idx, u.pdpTemp[d])
			}
		}
		idx = cdpOffSecondary
	}
	return nil
}

// aberrantCF is rrdtool's update_aberrant_CF for archive r, data source d.
func (u *updater) aberrantCF(s *state, r, d int, idx int64, pdp float64) {
	l := s.l
	a := &l.rra[r]
	o := s.cdp(r, d)
	s.setF64(o+idx, pdp)
	switch a.cf {
	case HWPredict, MHWPredict:
		u.updateHWPredict(s, r, d, idx, hwFuncsOf(l, uint64(r)))
	case DevPredict:
		dep := a.par[parDependent]
		so := s.cdp(int(dep), d)
		if dep < uint64(r) {
			s.setF64(o+idx, s.f64(so+cdpOffLastInt))
		} else {
			s.setF64(o+idx, s.f64(so+cdpOffIntercept))
		}
	case Seasonal:
		u.updateSeasonal(s, r, d, idx, hwFuncsOf(l, a.par[parDependent]))
	case DevSeasonal:
		u.updateDevSeasonal(s, r, d, idx, hwFuncsOf(l, a.par[parDependent]))
	case Failures:
		u.updateFailures(s, r, d, idx, hwFuncsOf(l, l.rra[a.par[parDependent]].par[parDependent]))
	}
}

func (u *updater) updateHWPredict(s *state, r, d int, idx int64, h *hwFuncs) {
	l := s.l
	a := &l.rra[r]
	o := s.cdp(r, d)
	s.setF64(o+cdpOffLastInt, s.f64(o+cdpOffIntercept))
	s.setF64(o+cdpOffLastSlope, s.f64(o+cdpOffSlope))
	s.setU64(o+cdpOffLastNull, s.u64(o+cdpOffNullCnt))
	dep := a.par[parDependent]
	so := s.cdp(int(dep), d)
	seasonal := s.f64(so + cdpOffIntercept)
	if dep < uint64(r) {
		seasonal = s.f64(so + cdpOffLastInt)
	}
	prediction := dnan
	observed := s.f64(o + idx)
	if math.IsNaN(s.f64(o+cdpOffIntercept)) || math.IsNaN(s.f64(o+cdpOffSlope)) || math.IsNaN(seasonal) {
		if math.IsNaN(s.f64(o+cdpOffIntercept)) && !math.IsNaN(observed) {
			// bootstrap the intercept and slope
			s.setF64(o+cdpOffIntercept, observed)
			s.setF64(o+cdpOffLastInt, observed)
			s.setF64(o+cdpOffSlope, 0)
			s.setF64(o+cdpOffLastSlope, 0)
			s.setU64(o+cdpOffNullCnt, 1)
			s.setU64(o+cdpOffLastNull, 1)
		}
	} else {
		prediction = h.predict(s.f64(o+cdpOffIntercept), s.f64(o+cdpOffSlope), s.u64(o+cdpOffNullCnt), seasonal)
		if math.IsNaN(observed) {
			s.setU64(o+cdpOffNullCnt, s.u64(o+cdpOffNullCnt)+1)
		} else {
			s.setF64(o+cdpOffIntercept, h.intercept(a.f(parAlpha), observed, seasonal, s, o))
			s.setF64(o+cdpOffSlope, hwSlope(a.f(parBeta), s, o))
			s.setU64(o+cdpOffNullCnt, 1)
		}
	}
	s.setF64(o+idx, prediction)
}

func (u *updater) updateSeasonal(s *state, r, d int, idx int64, h *hwFuncs) {
	l := s.l
	a := &l.rra[r]
	o := s.cdp(r, d)
	hwIdx := a.par[parDependent]
	hw := &l.rra[hwIdx]
	co := s.cdp(int(hwIdx), d)
	seasonal := s.f64(o + cdpOffIntercept)
	s.setF64(o+cdpOffLastInt, seasonal)
	s.setF64(o+cdpOffIntercept, u.seas[d])
	observed := s.f64(o + idx)
	if math.IsNaN(observed) {
		s.setF64(o+idx, seasonal)
		return
	}
	var v float64
	if hwIdx < uint64(r) {
		switch {
		case math.IsNaN(s.f64(co+cdpOffLastInt)) || math.IsNaN(s.f64(co+cdpOffLastSlope)):
			v = dnan
		case math.IsNaN(seasonal):
			v = h.initSeasonality(observed, s.f64(co+cdpOffLastInt))
		default:
			v = h.seasonality(a.f(parGamma), observed, s.f64(co+cdpOffIntercept), seasonal)
		}
	} else {
		switch {
		case math.IsNaN(s.f64(co+cdpOffIntercept)) || math.IsNaN(s.f64(co+cdpOffSlope)):
			v = h.identity
		case math.IsNaN(seasonal):
			v = h.initSeasonality(observed, s.f64(co+cdpOffIntercept))
		default:
			intercept := h.intercept(hw.f(parAlpha), observed, seasonal, s, co)
			v = h.seasonality(a.f(parGamma), observed, intercept, seasonal)
		}
	}
	s.setF64(o+idx, v)
}

func (u *updater) updateDevSeasonal(s *state, r, d int, idx int64, h *hwFuncs) {
	l := s.l
	a := &l.rra[r]
	o := s.cdp(r, d)
	hwIdx := a.par[parDependent]
	co := s.cdp(int(hwIdx), d)
	s.setF64(o+cdpOffLastInt, s.f64(o+cdpOffIntercept))
	s.setF64(o+cdpOffIntercept, u.seas[d])
	seasIdx := l.rra[hwIdx].par[parDependent]
	so := s.cdp(int(seasIdx), d)
	seasonal := s.f64(so + cdpOffIntercept)
	if seasIdx < uint64(r) {
		seasonal = s.f64(so + cdpOffLastInt)
	}
	var prediction float64
	if hwIdx < uint64(r) {
		if math.IsNaN(s.f64(co+cdpOffLastInt)) || math.IsNaN(s.f64(co+cdpOffLastSlope)) || math.IsNaN(seasonal) {
			s.setF64(o+idx, dnan)
			return
		}
		prediction = h.predict(s.f64(co+cdpOffLastInt), s.f64(co+cdpOffLastSlope), s.u64(co+cdpOffLastNull), seasonal)
	} else {
		if math.IsNaN(s.f64(co+cdpOffIntercept)) || math.IsNaN(s.f64(co+cdpOffSlope)) || math.IsNaN(seasonal) {
			s.setF64(o+idx, dnan)
			return
		}
		prediction = h.predict(s.f64(co+cdpOffIntercept), s.f64(co+cdpOffSlope), s.u64(co+cdpOffNullCnt), seasonal)
	}
	observed, last := s.f64(o+idx), s.f64(o+cdpOffLastInt)
	switch {
	case math.IsNaN(observed):
		s.setF64(o+idx, last)
	case math.IsNaN(last):
		s.setF64(o+idx, math.Abs(prediction-observed))
	default:
		s.setF64(o+idx, hwSeasonalDeviation(a.f(parGamma), prediction, observed, last))
	}
}

func (u *updater) updateFailures(s *state, r, d int, idx int64, h *hwFuncs) {
	l := s.l
	a := &l.rra[r]
	o := s.cdp(r, d)
	devIdx := a.par[parDependent]
	hwIdx := l.rra[devIdx].par[parDependent]
	seasIdx := l.rra[hwIdx].par[parDependent]
	deviation := dnan
	do := s.cdp(int(devIdx), d)
	// rrdtool compares with the SEASONAL archive's index here, as it does.
	if uint64(r) < seasIdx {
		deviation = s.f64(do + cdpOffIntercept)
	} else {
		deviation = s.f64(do + cdpOffLastInt)
	}
	var violation byte
	if !math.IsNaN(deviation) {
		so := s.cdp(int(seasIdx), d)
		seasonal := s.f64(so + cdpOffLastInt)
		if uint64(r) < seasIdx {
			seasonal = s.f64(so + cdpOffIntercept)
		}
		co := s.cdp(int(hwIdx), d)
		var prediction float64
		if uint64(r) < hwIdx {
			prediction = h.predict(s.f64(co+cdpOffIntercept), s.f64(co+cdpOffSlope), s.u64(co+cdpOffNullCnt), seasonal)
		} else {
			prediction = h.predict(s.f64(co+cdpOffLastInt), s.f64(co+cdpOffLastSlope), s.u64(co+cdpOffLastNull), seasonal)
		}
		observed := s.f64(o + idx)
		if math.IsNaN(observed) ||
			observed > prediction+float64(a.f(parDeltaPos)*deviation) ||
			observed < prediction-float64(a.f(parDeltaNeg)*deviation) {
			violation = 1
		}
	}
	count := uint16(violation)
	for i := int64(a.par[parWindowLen]); i > 1; i-- {
		s.b[o+i-1] = s.b[o+i-2]
		count += uint16(int8(s.b[o+i-1]))
	}
	s.b[o] = violation
	if uint64(count) < a.par[parThreshold] {
		s.setF64(o+idx, 0)
	} else {
		s.setF64(o+idx, 1)
	}
}

// smooth is rrdtool's smooth_all_rras, run at the end of an Update call
// that scheduled it: a moving average over each SEASONAL and DEVSEASONAL
// archive's rows (skipped while any is unknown); for SEASONAL, the
// average level moves into the HWPREDICT intercept.
func (u *updater) smooth(s *state) error {
	l := s.l
	nds := len(l.ds)
	for r, a := range l.rra {
		if a.cf != Seasonal && a.cf != DevSeasonal {
			continue
		}
		rows := int64(a.rows)
		var offset int64
		if l.version >= 4 {
			offset = int64(math.Floor(a.f(parWindow) / 2 * float64(rows)))
		} else {
			offset = int64(math.Floor(0.05 / 2 * float64(rows)))
		}
		if offset <= 0 {
			continue
		}
		vals := make([]float64, int(rows)*nds)
		unknown := false
		for i := int64(0); i < rows && !unknown; i++ {
			b, err := u.rowBytes(s, r, uint64(i))
			if err != nil {
				return err
			}
			for j := 0; j < nds; j++ {
				v := math.Float64frombits(le.Uint64(b[j*valueSize:]))
				if math.IsNaN(v) {
					unknown = true
					break
				}
				vals[int(i)*nds+j] = v
			}
		}
		if unknown {
			continue
		}
		mod := func(v int64) int64 { // MyMod
			if v < 0 {
				return rows - (-v)%rows
			}
			return v % rows
		}
		window := 2*offset + 1
		queues := make([][]float64, nds) // FIFO of the window's values
		avg := make([]float64, nds)
		base := make([]float64, nds)
		for i := int64(0); i < 2*offset; i++ {
			k := mod(i - offset)
			for j := 0; j < nds; j++ {
				queues[j] = append(queues[j], vals[int(k)*nds+j])
				avg[j] += vals[int(k)*nds+j]
			}
		}
		orig := append([]float64(nil), vals...)
		for i := offset; i < rows+offset; i++ {
			for j := 0; j < nds; j++ {
				k := mod(i)
				avg[j] += orig[int(k)*nds+j]
				queues[j] = append(queues[j], orig[int(k)*nds+j])
				c := mod(i - offset)
				vals[int(c)*nds+j] = avg[j] / float64(window)
				base[j] += vals[int(c)*nds+j]
				avg[j] -= queues[j][0]
				queues[j] = queues[j][1:]
			}
		}
		for j := range base {
			base[j] /= float64(rows)
		}
		if a.cf == Seasonal {
			h := hwFuncsOf(l, a.par[parDependent])
			for j := 0; j < nds; j++ {
				for i := int64(0); i < rows; i++ {
					vals[int(i)*nds+j] = h.initSeasonality(vals[int(i)*nds+j], base[j])
				}
				co := s.cdp(int(a.par[parDependent]), j) + cdpOffIntercept
				s.setF64(co, s.f64(co)+base[j])
			}
		}
		for i := int64(0); i < rows; i++ {
			u.queueRow(s, r, uint64(i), vals[int(i)*nds:int(i+1)*nds])
		}
	}
	return nil
}

// queueRow queues a whole row of values for writing.
func (u *updater) queueRow(s *state, r int, row uint64, vals []float64) {
	l := s.l
	start := len(u.wbuf)
	for _, v := range vals {
		u.wbuf = le.AppendUint64(u.wbuf, math.Float64bits(v))
	}
	u.queue(l, r, row, start)
}

// queue records the row just appended to wbuf at start as a write.
func (u *updater) queue(l *layout, r int, row uint64, start int) {
	off := l.rraOff[r] + int64(row)*int64(len(l.ds))*valueSize
	if n := len(u.writes); n > 0 && u.writes[n-1].off+int64(u.writes[n-1].end-u.writes[n-1].start) == off && u.writes[n-1].end == start {
		u.writes[n-1].end = len(u.wbuf)
	} else {
		u.writes = append(u.writes, rowWrite{off: off, start: start, end: len(u.wbuf)})
	}
	if l.hasHW {
		u.pend[off] = start
	}
}
