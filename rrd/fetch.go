package rrd

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// errNoCF is returned by Fetch when no archive can answer for cf.
var errNoCF = errors.New("the RRD does not contain an RRA matching the chosen CF")

// chooseRRA picks the archive rrdtool fetch would use: among the archives
// of the wanted CF (or, for one-step archives, any of the four CFs), the
// one covering start with the step closest to the wanted one; failing
// that, the one covering most of the window.
func chooseRRA(l *layout, lastUp int64, cf CF, start, end int64, step int64) (int, error) {
	bestFull, bestPart := -1, -1
	var bestFullDiff, bestPartDiff, bestMatch int64
	for i, a := range l.rra {
		if a.cf != cf && a.pdpCnt != 1 {
			continue
		}
		rstep := int64(a.pdpCnt * l.step)
		calEnd := lastUp - lastUp%rstep
		calStart := calEnd - int64(a.pdpCnt*a.rows*l.step)
		diff := step - rstep
		if diff < 0 {
			diff = -diff
		}
		if calStart <= start {
			if bestFull < 0 || diff < bestFullDiff {
				bestFull, bestFullDiff = i, diff
			}
			continue
		}
		match := end - start - (calStart - start)
		if bestPart < 0 || bestMatch < match || (bestMatch == match && diff < bestPartDiff) {
			bestPart, bestMatch, bestPartDiff = i, match, diff
		}
	}
	switch {
	case bestFull >= 0:
		return bestFull, nil
	case bestPart >= 0:
		return bestPart, nil
	}
	return 0, errNoCF
}

// MaxFetchValues bounds the values one Fetch may return (rows × data
// sources), so that a far-off window cannot exhaust memory.
const MaxFetchValues = 1 << 24

// Fetch returns consolidated rows as rrdtool fetch does: it picks the archive
// for cf and resolution and aligns start and end the same way (start down
// to the archive's step, end up past it). A resolution of 0 asks for the
// finest one. Rows outside the archive are NaN.
func (f *File) Fetch(cf CF, start, end time.Time, resolution time.Duration) (*Result, error) {
	return f.fetchInto(nil, cf, start, end, resolution)
}

// fetchBuf holds the memory of a Result for reuse by the next fetch (see
// FetchChunks): rows, their values and the bytes read.
type fetchBuf struct {
	res  Result
	rows [][]float64
	vals []float64
	buf  []byte
}

// fetchInto is Fetch, reusing b's memory when b is not nil: the Result is
// then valid until the next fetch with b.
func (f *File) fetchInto(b *fetchBuf, cf CF, start, end time.Time, resolution time.Duration) (*Result, error) {
	switch cf {
	case Average, Min, Max, Last:
	default:
		return nil, fmt.Errorf("rrd: fetch %s: unknown consolidation function %q", f.path, cf)
	}
	s, e := start.Unix(), end.Unix()
	if e < s {
		return nil, fmt.Errorf("rrd: fetch %s: start (%d) should be less than end (%d)", f.path, s, e)
	}
	res := int64(resolution / time.Second)
	if res < 1 {
		res = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out *Result
	err := f.readLocked(func() error {
		var err error
		out, err = f.fetch(b, cf, s, e, res)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rrd: fetch %s: %w", f.path, err)
	}
	return out, nil
}

func (f *File) fetch(b *fetchBuf, cf CF, start, end, step int64) (*Result, error) {
	l := f.l
	lastUp := f.st.lastUp()
	ri, err := chooseRRA(l, lastUp, cf, start, end, step)
	if err != nil {
		return nil, err
	}
	a := l.rra[ri]
	step = int64(a.pdpCnt * l.step)
	start -= start % step
	end += step - end%step
	nrows := (end - start) / step
	nds := int64(len(l.ds))
	if end < start || nrows < 0 || nrows > MaxFetchValues || nrows*nds > MaxFetchValues {
		return nil, fmt.Errorf("window of %d rows is too large", nrows)
	}
	out := &Result{}
	if b != nil {
		out = &b.res
	}
	*out = Result{
		Start: time.Unix(start, 0),
		End:   time.Unix(end, 0),
		Step:  time.Duration(step) * time.Second,
		DS:    make([]string, nds),
	}
	for i, d := range l.ds {
		out.DS[i] = d.name
	}
	var vals []float64
	if b != nil && int64(cap(b.rows)) >= nrows && int64(cap(b.vals)) >= nrows*nds {
		out.Rows, vals = b.rows[:nrows], b.vals[:nrows*nds]
	} else {
		out.Rows, vals = make([][]float64, nrows), make([]float64, nrows*nds)
		if b != nil {
			b.rows, b.vals = out.Rows, vals
		}
	}
	for i := range out.Rows {
		out.Rows[i] = vals[int64(i)*nds : int64(i+1)*nds : int64(i+1)*nds]
	}
	rows := int64(a.rows)
	rraEnd := lastUp - lastUp%step
	rraStart := rraEnd - step*(rows-1)
	startOff := (start + step - rraStart) / step
	endOff := (rraEnd - end) / step
	// Rows i in [startOff, rows-endOff) map to output rows i-startOff;
	// those with 0 <= i < rows are stored at (cur_row+1+i) mod rows.
	lo, hi := max(startOff, 0), min(rows-endOff, rows)
	for i := range vals {
		vals[i] = math.NaN()
	}
	if lo < hi && (lo-startOff < 0 || lo-startOff+(hi-lo) > nrows) {
		return nil, fmt.Errorf("inconsistent window (time overflow)")
	}
	if lo < hi {
		first := (int64(f.st.curRow(ri)) + 1 + lo) % rows
		var buf []byte
		if n := (hi - lo) * nds * valueSize; b != nil && int64(cap(b.buf)) >= n {
			buf = b.buf[:n]
		} else {
			buf = make([]byte, n)
			if b != nil {
				b.buf = buf
			}
		}
		n1 := min(hi-lo, rows-first)
		base := l.rraOff[ri]
		if _, err := f.f.ReadAt(buf[:n1*nds*valueSize], base+first*nds*valueSize); err != nil {
			return nil, fmt.Errorf("read rows: %w", err)
		}
		if n1 < hi-lo {
			if _, err := f.f.ReadAt(buf[n1*nds*valueSize:], base); err != nil {
				return nil, fmt.Errorf("read rows: %w", err)
			}
		}
		dst := vals[(lo-startOff)*nds:]
		for i := range buf[:len(buf)/valueSize] {
			dst[i] = math.Float64frombits(le.Uint64(buf[i*valueSize:]))
		}
	}
	return out, nil
}
