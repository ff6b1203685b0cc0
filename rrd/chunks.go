package rrd

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrArchiveChanged is returned by FetchChunks when a later part of the
// window is answered by an archive of another step than the first part
// (the window reaches past the start of the first part's archive).
var ErrArchiveChanged = errors.New("rrd: the archive changed between parts of a fetch")

// FetchChunks is Fetch for windows of any length in bounded memory: it
// calls fn with consecutive parts of the rows that Fetch(cf, start, end,
// resolution) returns, oldest first, each part at most maxRows rows, and
// reads only one part from the file at a time. The archive is the one
// Fetch picks for a window beginning at start; each part is read under the
// file's lock taken anew, so updates in between are honoured. A part's
// Result is valid only during the call of fn (its rows may be reused), and
// an error from fn stops the walk and is returned.
func (f *File) FetchChunks(cf CF, start, end time.Time, resolution time.Duration, maxRows int, fn func(*Result) error) error {
	if maxRows < 1 {
		return fmt.Errorf("rrd: fetch %s: parts of %d rows", f.path, maxRows)
	}
	if end.Before(start) {
		return fmt.Errorf("rrd: fetch %s: start (%d) should be less than end (%d)", f.path, start.Unix(), end.Unix())
	}
	// A one-row fetch tells the archive's step, which aligns the parts.
	probe, err := f.Fetch(cf, start, start, resolution)
	if err != nil {
		return err
	}
	step := int64(probe.Step / time.Second)
	s, e := start.Unix(), end.Unix()
	s -= s % step
	e += step - e%step
	if e <= s || (e-s)/step > math.MaxInt32 {
		return fmt.Errorf("rrd: fetch %s: window of %d s is too large", f.path, e-s)
	}
	var b chunkBuf // one part's memory, reused for the next
	for cs := s; cs < e; {
		ce := min(cs+int64(maxRows)*step, e)
		// Fetch answers the rows after its aligned start up to one step
		// past its end: (cs, ce].
		r, err := b.fetch(f, cf, time.Unix(cs, 0), time.Unix(ce-step, 0), time.Duration(step)*time.Second)
		if err != nil {
			return err
		}
		if r.Step != probe.Step || r.Start.Unix() != cs || int64(len(r.Rows)) != (ce-cs)/step {
			return fmt.Errorf("rrd: fetch %s: rows after %d: %w (step %v, then %v)", f.path, cs, ErrArchiveChanged, probe.Step, r.Step)
		}
		if err := fn(r); err != nil {
			return err
		}
		cs = ce
	}
	return nil
}

// chunkBuf is the memory of one part of FetchChunks, reused for the next
// so that a long walk does not allocate a part's rows each time.
type chunkBuf struct {
	res  Result
	rows [][]float64
	vals []float64
}

// fetch is Fetch into b's memory: the Result is valid until the next call.
func (b *chunkBuf) fetch(f *File, cf CF, start, end time.Time, resolution time.Duration) (*Result, error) {
	var nds, nrows int
	err := f.FetchStream(cf, start, end, resolution, func(r *Result) error {
		n := r.rowCount()
		nds = len(r.DS)
		if n < 0 || n > MaxFetchValues || n*int64(nds) > MaxFetchValues {
			return fmt.Errorf("window of %d rows is too large", n)
		}
		nrows = int(n)
		b.res = *r
		if cap(b.rows) < nrows || cap(b.vals) < nrows*nds {
			b.rows, b.vals = make([][]float64, nrows), make([]float64, nrows*nds)
		}
		b.res.Rows = b.rows[:nrows]
		for i := range b.res.Rows {
			b.res.Rows[i] = b.vals[i*nds : (i+1)*nds : (i+1)*nds]
		}
		return nil
	}, func(i int64, _ time.Time, row []float64) error {
		if i < 0 || i >= int64(nrows) {
			return fmt.Errorf("row %d outside the window of %d rows", i, nrows)
		}
		copy(b.vals[i*int64(nds):], row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &b.res, nil
}
