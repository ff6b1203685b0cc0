package rrd

import (
	"fmt"
	"io"
	"math"
	"strconv"
)

// dnan is the NaN rrdtool writes: its DNAN is 0.0/0.0, which x86-64 yields
// as the negative "default" NaN.
var dnan = math.Float64frombits(0xfff8000000000000)

var unknownText = []byte("U")

// rowWrite is a pending write of consecutive values at off.
type rowWrite struct {
	off        int64
	start, end int // range in updater.wbuf
}

// updater holds the scratch space of Update, reused between calls so that
// an update allocates nothing once warm.
type updater struct {
	pdpNew, pdpTemp, openNew []float64
	stepCnt                  []uint64
	inputs                   [][]byte // per DS text of the current sample
	ends                     []int    // end offsets of inputs in tbuf
	tbuf                     []byte   // backing store of inputs
	wbuf                     []byte   // row values to write
	writes                   []rowWrite
	stack                    []float64 // for COMPUTE expressions

	// Holt-Winters state (see hw.go)
	rd             io.ReaderAt   // the file, for seasonal rows
	pend           map[int64]int // queued rows by file offset: start in wbuf
	rowBuf         []byte        // a row read from the file
	skip           []bool        // per archive: advance without writing
	lastSeas, seas []float64     // seasonal coefficients read for an archive
	smoothDue      bool          // the smoother runs at the end of the call
}

func (u *updater) reset(l *layout) {
	n := len(l.ds)
	if cap(u.pdpNew) < n {
		u.pdpNew = make([]float64, n)
		u.pdpTemp = make([]float64, n)
		u.openNew = make([]float64, n)
		u.inputs = make([][]byte, n)
		u.ends = make([]int, n)
	}
	u.pdpNew, u.pdpTemp, u.openNew, u.inputs, u.ends = u.pdpNew[:n], u.pdpTemp[:n], u.openNew[:n], u.inputs[:n], u.ends[:n]
	if cap(u.stepCnt) < len(l.rra) {
		u.stepCnt = make([]uint64, len(l.rra))
		u.skip = make([]bool, len(l.rra))
	}
	u.stepCnt, u.skip = u.stepCnt[:len(l.rra)], u.skip[:len(l.rra)]
	clear(u.skip)
	if l.hasHW {
		if u.pend == nil {
			u.pend = map[int64]int{}
		}
		clear(u.pend)
		if cap(u.seas) < n {
			u.seas, u.lastSeas = make([]float64, n), make([]float64, n)
		}
		u.seas, u.lastSeas = u.seas[:n], u.lastSeas[:n]
	}
	u.smoothDue = false
	u.wbuf = u.wbuf[:0]
	u.writes = u.writes[:0]
}

// sampleTime splits a sample time as rrdtool stores it: whole seconds and
// microseconds (truncated).
func sampleTime(s Sample, version int) (sec, usec int64) {
	sec = s.Time.Unix()
	usec = int64(s.Time.Nanosecond() / 1000)
	if version < 3 {
		usec = 0
	}
	return sec, usec
}

// prepareInputs fills u.inputs with the text of each value of s.
func (u *updater) prepareInputs(l *layout, s Sample) error {
	u.tbuf = u.tbuf[:0]
	n := len(l.ds)
	if s.Raw != nil {
		if len(s.Raw) != n {
			return fmt.Errorf("expected %d data source readings (got %d)", n, len(s.Raw))
		}
		for _, r := range s.Raw {
			u.tbuf = append(u.tbuf, r...)
		}
		o := 0
		for i, r := range s.Raw {
			u.inputs[i] = u.tbuf[o : o+len(r) : o+len(r)]
			o += len(r)
		}
		return nil
	}
	if len(s.Values) != n {
		return fmt.Errorf("expected %d data source readings (got %d)", n, len(s.Values))
	}
	for i, v := range s.Values {
		switch {
		case math.IsNaN(v):
			u.tbuf = append(u.tbuf, 'U')
		case math.IsInf(v, 1):
			u.tbuf = append(u.tbuf, "inf"...)
		case math.IsInf(v, -1):
			u.tbuf = append(u.tbuf, "-inf"...)
		case l.ds[i].typ == Counter || l.ds[i].typ == Derive:
			if v != math.Trunc(v) || (l.ds[i].typ == Counter && v < 0) {
				return fmt.Errorf("data source %q (%s) needs a whole number, got %v", l.ds[i].name, l.ds[i].typ, v)
			}
			u.tbuf = strconv.AppendFloat(u.tbuf, v, 'f', -1, 64)
		default:
			u.tbuf = strconv.AppendFloat(u.tbuf, v, 'g', -1, 64)
		}
		u.ends[i] = len(u.tbuf)
	}
	o := 0
	for i := range s.Values {
		e := u.ends[i]
		u.inputs[i] = u.tbuf[o:e:e]
		o = e
	}
	return nil
}

// apply runs one sample through the state in memory, as rrdtool's
// process_arg does, queueing the rows it completes. values is non-nil for
// samples given as float64 (then GAUGE and ABSOLUTE use them unparsed).
func (u *updater) apply(s *state, sec, usec int64, values []float64) error {
	l := s.l
	lastUp, lastUsec := s.lastUp(), s.lastUpUsec()
	if sec < lastUp || (sec == lastUp && usec <= lastUsec) {
		return fmt.Errorf("%w: illegal attempt to update using time %d when last update time is %d (minimum one second step)", ErrNotNewer, sec, lastUp)
	}
	interval := float64(sec-lastUp) + float64(usec-lastUsec)/1e6
	if err := u.updatePDPPrep(s, interval, values); err != nil {
		return err
	}

	step := l.step
	procAge := uint64(lastUp) % step
	procSt := uint64(lastUp) - procAge
	occuAge := uint64(sec) % step
	occuSt := uint64(sec) - occuAge
	var preInt, postInt float64
	if occuSt > procSt {
		preInt = float64(int64(occuSt) - lastUp)
		preInt -= float64(lastUsec) / 1e6
		postInt = float64(occuAge)
		postInt += float64(usec) / 1e6
	} else {
		preInt = interval
		postInt = 0
	}
	procPDPCnt := procSt / step
	elapsed := (occuSt - procSt) / step

	if elapsed == 0 {
		for i := range l.ds {
			o := s.pdp(i)
			if math.IsNaN(u.pdpNew[i]) {
				s.setU64(o+pdpOffUnknSec, uint64(float64(s.u64(o+pdpOffUnknSec))+math.Floor(interval)))
			} else if v := s.f64(o + pdpOffVal); math.IsNaN(v) {
				s.setF64(o+pdpOffVal, u.pdpNew[i])
			} else {
				s.setF64(o+pdpOffVal, v+u.pdpNew[i])
			}
		}
	} else {
		if elapsed > 1 {
			// The leftmost, partly filled primary data point is closed
			// on its own (rrdtool's "JKammler bugfix").
			if secOpen := uint64(preInt) % step; secOpen > 0 {
				so := float64(secOpen)
				for i := range l.ds {
					if !math.IsNaN(u.pdpNew[i]) && interval > 0 {
						u.openNew[i] = u.pdpNew[i] * so / interval
						u.pdpNew[i] -= u.openNew[i]
					} else {
						u.openNew[i] = dnan
					}
				}
				if err := u.processPDPs(s, so, so, 0, 1, u.openNew); err != nil {
					return err
				}
				if err := u.updateCDPs(s, 1, procPDPCnt); err != nil {
					return err
				}
				u.writeRows(s)
				interval -= so
				preInt -= so
				elapsed--
				procPDPCnt++
			}
		}
		if err := u.processPDPs(s, interval, preInt, postInt, elapsed, u.pdpNew); err != nil {
			return err
		}
		if err := u.updateCDPs(s, elapsed, procPDPCnt); err != nil {
			return err
		}
		u.writeRows(s)
	}
	s.setLastUp(sec, usec)
	return nil
}

// updatePDPPrep turns the sample's text into pdpNew (rate × seconds), as
// rrdtool's update_pdp_prep.
func (u *updater) updatePDPPrep(s *state, interval float64, values []float64) error {
	for i, d := range s.l.ds {
		hb := float64(d.heartbeat)
		if hb < interval {
			s.setLastDS(i, unknownText)
		}
		in := u.inputs[i]
		// COMPUTE takes no reading, but keeps the text as rrdtool does
		// (which only update --template can give it).
		if d.typ != Compute && (len(in) == 0 || in[0] != 'U') && hb >= interval {
			rate := dnan
			switch d.typ {
			case Counter, Derive:
				for j, c := range in {
					if j == 0 && d.typ == Derive && c == '-' {
						continue
					}
					if !isDigit(c) {
						kind := "unsigned"
						if d.typ == Derive {
							kind = "signed"
						}
						return fmt.Errorf("not a simple %s integer: '%s'", kind, in)
					}
				}
				if last := s.lastDS(i); len(last) == 0 || last[0] != 'U' {
					v := rrdDiff(in, last)
					if d.typ == Counter {
						if v < 0 {
							v += 4294967295.0 // 2^32-1
						}
						if v < 0 {
							v += 18446744069414584320.0 // 2^64-2^32
						}
					}
					u.pdpNew[i] = v
					rate = v / interval
				} else {
					u.pdpNew[i] = dnan
				}
			case DCounter, DDerive:
				last := s.lastDS(i)
				if len(last) > 0 && last[0] == 'U' {
					u.pdpNew[i] = dnan
					break
				}
				what := "Function update_pdp_prep, case DST_" + string(d.typ)
				nv, ok := rrdStrtod(in)
				if !ok {
					return strtodError(what, in)
				}
				ov, ok := rrdStrtod(last)
				if !ok {
					return strtodError(what, last)
				}
				// A DCOUNTER that changes direction was reset.
				if d.typ == DCounter && (nv > 0 && ov > nv || nv < 0 && nv > ov) {
					u.pdpNew[i] = dnan
					break
				}
				u.pdpNew[i] = nv - ov
				rate = u.pdpNew[i] / interval
			case Absolute, Gauge:
				var nv float64
				if values != nil {
					nv = values[i]
				} else {
					var ok bool
					if nv, ok = rrdStrtod(in); !ok {
						return fmt.Errorf("data source %q: cannot convert '%s' to float", d.name, in)
					}
				}
				if d.typ == Gauge {
					u.pdpNew[i] = nv * interval
					rate = nv
				} else {
					u.pdpNew[i] = nv
					rate = nv / interval
				}
			}
			if !math.IsNaN(rate) &&
				((!math.IsNaN(d.max) && rate > d.max) || (!math.IsNaN(d.min) && rate < d.min)) {
				u.pdpNew[i] = dnan
			}
		} else {
			u.pdpNew[i] = dnan
		}
		s.setLastDS(i, in)
	}
	return nil
}

// processPDPs closes the current primary data points (rrdtool's
// process_pdp_st for every DS), leaving the rates in u.pdpTemp.
func (u *updater) processPDPs(s *state, interval, preInt, postInt float64, elapsed uint64, pdpNew []float64) error {
	l := s.l
	diffPDPSt := elapsed * l.step
	for i, d := range l.ds {
		o := s.pdp(i)
		preUnknown := 0.0
		val := s.f64(o + pdpOffVal)
		if math.IsNaN(pdpNew[i]) {
			preUnknown = preInt
		} else {
			if math.IsNaN(val) {
				val = 0
			}
			val += float64(pdpNew[i] / interval * preInt)
		}
		unkn := s.u64(o + pdpOffUnknSec)
		if interval > float64(d.heartbeat) || float64(l.step)/2.0 < float64(int32(unkn)) {
			u.pdpTemp[i] = dnan
		} else {
			u.pdpTemp[i] = val / (float64(diffPDPSt-unkn) - preUnknown)
		}
		if d.typ == Compute {
			// The expression sees the rates just computed for the data
			// sources before this one.
			s.setF64(o+pdpOffVal, val)
			v, stack, err := evalRPN(d.cdef, u.pdpTemp, u.stack)
			u.stack = stack
			if err != nil {
				return fmt.Errorf("data source %q: %w", d.name, err)
			}
			u.pdpTemp[i] = v
		}
		if math.IsNaN(pdpNew[i]) {
			s.setU64(o+pdpOffUnknSec, uint64(math.Floor(postInt)))
			s.setF64(o+pdpOffVal, dnan)
		} else {
			s.setU64(o+pdpOffUnknSec, 0)
			s.setF64(o+pdpOffVal, float64(pdpNew[i]/interval*postInt))
		}
	}
	return nil
}

// updateCDPs consolidates u.pdpTemp into every archive (rrdtool's
// update_all_cdp_prep and update_aberrant_cdps).
func (u *updater) updateCDPs(s *state, elapsed, procPDPCnt uint64) error {
	l := s.l
	for r, a := range l.rra {
		startOff := a.pdpCnt - procPDPCnt%a.pdpCnt
		if startOff <= elapsed {
			u.stepCnt[r] = min((elapsed-startOff)/a.pdpCnt+1, a.rows)
		} else {
			u.stepCnt[r] = 0
		}
		u.skip[r] = false
		if a.cf == Seasonal || a.cf == DevSeasonal {
			// A bulk update skips ahead in the seasonal rows without
			// learning (and without writing them).
			if u.stepCnt[r] > 1 {
				u.skip[r] = true
				if err := u.lookupSeasonal(s, r, elapsed, u.lastSeas); err != nil {
					return err
				}
				if err := u.lookupSeasonal(s, r, elapsed+1, u.seas); err != nil {
					return err
				}
			}
			if scheduleSmooth(s, r, elapsed) {
				u.smoothDue = true
			}
		}
		for d := range l.ds {
			switch {
			case a.pdpCnt > 1:
				updateCDP(s, s.cdp(r, d), a, u.pdpTemp[d], u.stepCnt[r], elapsed, startOff)
			// One step per row: nothing to consolidate. Beyond two steps,
			// rrdtool sets the primary and secondary values (reset_cdp);
			// for one or two, aberrantCDPs does.
			case elapsed > 2:
				u.resetCDP(s, r, d, elapsed, u.pdpTemp[d])
			}
		}
	}
	return u.aberrantCDPs(s, elapsed)
}

func ifNaN(v, alt float64) float64 {
	if math.IsNaN(v) {
		return alt
	}
	return v
}

// updateCDP is rrdtool's update_cdp for one DS in one archive.
func updateCDP(s *state, o int64, a rraDef, pt float64, stepCnt, elapsed, startOff uint64) {
	cdpVal := s.f64(o + cdpOffVal)
	unkn := s.u64(o + cdpOffUnknPDP)
	if stepCnt == 0 {
		if math.IsNaN(pt) {
			s.setU64(o+cdpOffUnknPDP, unkn+elapsed)
			return
		}
		var nv float64
		switch {
		case math.IsNaN(cdpVal):
			nv = pt
			if a.cf == Average {
				nv = pt * float64(elapsed)
			}
		case a.cf == Average:
			nv = cdpVal + float64(pt*float64(elapsed))
		case a.cf == Min:
			nv = cdpVal
			if pt < cdpVal {
				nv = pt
			}
		case a.cf == Max:
			nv = cdpVal
			if pt > cdpVal {
				nv = pt
			}
		default:
			nv = pt
		}
		s.setF64(o+cdpOffVal, nv)
		return
	}
	if math.IsNaN(pt) {
		unkn += startOff
		s.setF64(o+cdpOffSecondary, dnan)
	} else {
		s.setF64(o+cdpOffSecondary, pt)
	}
	if float64(unkn) > float64(a.pdpCnt)*a.xff {
		s.setF64(o+cdpOffPrimary, dnan)
	} else {
		var pv float64
		switch a.cf {
		case Average:
			cum, cur := ifNaN(cdpVal, 0), ifNaN(pt, 0)
			pv = (cum + float64(cur*float64(startOff))) / float64(a.pdpCnt-unkn)
		case Max:
			cum, cur := ifNaN(cdpVal, math.Inf(-1)), ifNaN(pt, math.Inf(-1))
			pv = cum
			if cur > cum {
				pv = cur
			}
		case Min:
			cum, cur := ifNaN(cdpVal, math.Inf(1)), ifNaN(pt, math.Inf(1))
			pv = cum
			if cur < cum {
				pv = cur
			}
		default:
			pv = pt
		}
		s.setF64(o+cdpOffPrimary, pv)
	}
	// carry over into the next consolidated data point
	into := (elapsed - startOff) % a.pdpCnt
	var carry float64
	if into == 0 || math.IsNaN(pt) {
		switch a.cf {
		case Max:
			carry = math.Inf(-1)
		case Min:
			carry = math.Inf(1)
		case Average:
			carry = 0
		default:
			carry = dnan
		}
	} else if a.cf == Average {
		carry = pt * float64(into)
	} else {
		carry = pt
	}
	s.setF64(o+cdpOffVal, carry)
	if math.IsNaN(pt) {
		s.setU64(o+cdpOffUnknPDP, into)
	} else {
		s.setU64(o+cdpOffUnknPDP, 0)
	}
}

// writeRows advances each archive's pointer by its step count and queues
// the primary value (then secondary values) as rows, as write_to_rras.
func (u *updater) writeRows(s *state) {
	l := s.l
	nds := len(l.ds)
	for r, a := range l.rra {
		for k := uint64(0); k < u.stepCnt[r]; k++ {
			cur := s.curRow(r) + 1
			if cur >= a.rows {
				cur = 0
			}
			s.setU64(s.ptr(r), cur)
			if u.skip[r] {
				continue
			}
			idx := int64(cdpOffPrimary)
			if k > 0 {
				idx = cdpOffSecondary
			}
			start := len(u.wbuf)
			for d := 0; d < nds; d++ {
				u.wbuf = le.AppendUint64(u.wbuf, s.u64(s.cdp(r, d)+idx))
			}
			u.queue(l, r, cur, start)
		}
		u.stepCnt[r] = 0
	}
}

// strtodError is rrd_strtodbl's message for text it cannot convert.
func strtodError(what string, s []byte) error {
	v, end, converted := strtodPrefix(s)
	if !converted {
		return fmt.Errorf("%s - Cannot convert '%s' to float", what, s)
	}
	return fmt.Errorf("%s - Converted '%s' to %f, but cannot convert '%s'", what, s, v, s[end:])
}
