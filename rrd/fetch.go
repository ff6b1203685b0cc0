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
// of the wanted CF (or, for one-step archives, any of AVERAGE, MIN, MAX
// and LAST when one of those is wanted), the
// one covering start with the step closest to the wanted one; failing
// that, the one covering most of the window.
func chooseRRA(l *layout, lastUp int64, cf CF, start, end int64, step int64) (int, error) {
	bestFull, bestPart := -1, -1
	var bestFullDiff, bestPartDiff, bestMatch int64
	basic := func(c CF) bool { return c == Average || c == Min || c == Max || c == Last }
	for i, a := range l.rra {
		if a.cf != cf && !(a.pdpCnt == 1 && basic(cf) && basic(a.cf)) {
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
// sources), so that a far-off window cannot exhaust memory. FetchStream
// has no such bound.
const MaxFetchValues = 1 << 24

// Fetch returns consolidated rows as rrdtool fetch does: it picks the archive
// for cf and resolution and aligns start and end the same way (start down
// to the archive's step, end up past it). A resolution of 0 asks for the
// finest one. Rows outside the archive are NaN (with rrdtool's bits). cf may also name a
// Holt-Winters archive (HWPREDICT, SEASONAL, ...).
func (f *File) Fetch(cf CF, start, end time.Time, resolution time.Duration) (*Result, error) {
	var out *Result
	var vals []float64
	var nds int
	var nrows int64
	err := f.fetchStream(cf, start, end, resolution, func(r *Result) error {
		nrows = r.rowCount()
		nds = len(r.DS)
		if nrows < 0 || nrows > MaxFetchValues || nrows*int64(nds) > MaxFetchValues {
			return fmt.Errorf("window of %d rows is too large", nrows)
		}
		out = r
		out.Rows = make([][]float64, nrows)
		vals = make([]float64, nrows*int64(nds))
		for i := range out.Rows {
			out.Rows[i] = vals[i*nds : (i+1)*nds : (i+1)*nds]
		}
		return nil
	}, func(i int64, _ time.Time, row []float64) error {
		if i < 0 || i >= nrows {
			return fmt.Errorf("row %d outside the window of %d rows", i, nrows)
		}
		copy(vals[i*int64(nds):], row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rowCount is the number of rows of r's window, counted in seconds: a
// time.Duration (End.Sub(Start)) saturates after 292 years, which a
// corrupt file's times can exceed.
func (r *Result) rowCount() int64 {
	step := int64(r.Step / time.Second)
	if step <= 0 {
		return -1
	}
	return (r.End.Unix() - r.Start.Unix()) / step
}

// FetchStream is Fetch for windows of any size: it reads the archive in
// chunks and holds one chunk at a time. begin gets the window (a Result
// without Rows) before the first row; row gets each row's index, time and
// values, which are valid only during the call, in time order. An error
// from either stops the fetch and is returned.
func (f *File) FetchStream(cf CF, start, end time.Time, resolution time.Duration,
	begin func(*Result) error, row func(i int64, t time.Time, values []float64) error) error {
	return f.fetchStream(cf, start, end, resolution, begin, row)
}

func (f *File) fetchStream(cf CF, start, end time.Time, resolution time.Duration,
	begin func(*Result) error, row func(i int64, t time.Time, values []float64) error) error {
	switch cf {
	case Average, Min, Max, Last:
	default:
		if !cf.isHW() {
			return fmt.Errorf("rrd: fetch %s: unknown consolidation function %q", f.path, cf)
		}
	}
	s, e := start.Unix(), end.Unix()
	if e < s {
		return fmt.Errorf("rrd: fetch %s: start (%d) should be less than end (%d)", f.path, s, e)
	}
	res := int64(resolution / time.Second)
	if res < 1 {
		res = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.readLocked(func() error {
		return f.fetch(cf, s, e, res, begin, row)
	})
	if err != nil {
		return fmt.Errorf("rrd: fetch %s: %w", f.path, err)
	}
	return nil
}

// fetchChunkRows is how many rows fetch reads at a time.
const fetchChunkRows = 4096

func (f *File) fetch(cf CF, start, end, step int64, begin func(*Result) error, row func(int64, time.Time, []float64) error) error {
	l := f.l
	lastUp := f.st.lastUp()
	ri, err := chooseRRA(l, lastUp, cf, start, end, step)
	if err != nil {
		return err
	}
	a := l.rra[ri]
	step = int64(a.pdpCnt * l.step)
	start -= start % step
	end += step - end%step
	nrows := (end - start) / step
	nds := int64(len(l.ds))
	if end < start || nrows < 0 {
		return fmt.Errorf("window of %d rows is too large", nrows)
	}
	out := &Result{
		Start: time.Unix(start, 0),
		End:   time.Unix(end, 0),
		Step:  time.Duration(step) * time.Second,
		DS:    make([]string, nds),
	}
	for i, d := range l.ds {
		out.DS[i] = d.name
	}
	rows := int64(a.rows)
	rraEnd := lastUp - lastUp%step
	rraStart := rraEnd - step*(rows-1)
	startOff := (start + step - rraStart) / step
	endOff := (rraEnd - end) / step
	// Rows i in [startOff, rows-endOff) map to output rows i-startOff;
	// those with 0 <= i < rows are stored at (cur_row+1+i) mod rows.
	lo, hi := max(startOff, 0), min(rows-endOff, rows)
	if lo < hi && (lo-startOff < 0 || lo-startOff+(hi-lo) > nrows) {
		return fmt.Errorf("inconsistent window (time overflow)")
	}
	if err := begin(out); err != nil {
		return err
	}
	vals := make([]float64, nds)
	nan := dnan // what rrdtool fetch reports for rows it has no data for
	emit := func(i int64) error {
		return row(i, time.Unix(start+(i+1)*step, 0), vals)
	}
	// Rows before the archive's data.
	firstData, lastData := nrows, nrows // output rows [firstData, lastData) come from the file
	if lo < hi {
		firstData, lastData = lo-startOff, lo-startOff+(hi-lo)
	}
	for i := range vals {
		vals[i] = nan
	}
	for i := int64(0); i < firstData; i++ {
		if err := emit(i); err != nil {
			return err
		}
	}
	if lo < hi {
		chunk := min(hi-lo, fetchChunkRows)
		buf := make([]byte, chunk*nds*valueSize)
		base := l.rraOff[ri]
		cur := int64(f.st.curRow(ri))
		for k := lo; k < hi; {
			p := (cur + 1 + k) % rows
			n := min(hi-k, chunk, rows-p)
			b := buf[:n*nds*valueSize]
			if _, err := f.f.ReadAt(b, base+p*nds*valueSize); err != nil {
				return fmt.Errorf("read rows: %w", err)
			}
			for j := int64(0); j < n; j++ {
				for d := range vals {
					vals[d] = math.Float64frombits(le.Uint64(b[(j*nds+int64(d))*valueSize:]))
				}
				if err := emit(k - startOff + j); err != nil {
					return err
				}
			}
			k += n
		}
		for i := range vals {
			vals[i] = nan
		}
	}
	for i := lastData; i < nrows; i++ {
		if err := emit(i); err != nil {
			return err
		}
	}
	return nil
}
