package sync

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// point is one known value of a metric at a row time (Unix seconds).
type point struct {
	t int64
	v float64
}

// chunkRows is how many rows a series reads from its file at a time: the
// memory a forward or export holds per metric, whatever the backlog
// (4096 rows are 32 KiB of values).
const chunkRows = 4096

// series is one metric's RRD opened for reading a window of rows. Its
// values are read in parts of chunkRows rows, never all at once: see each.
type series struct {
	name   string
	step   int64 // seconds per row of the full-resolution archive
	last   int64 // last update, Unix seconds
	end    int64 // time of the newest complete row
	oldest int64 // time of the oldest row the archive holds
	stale  bool  // the cursor was later than the file's last update
	first  int64 // time of the first row of the window
	until  int64 // time of the last row of the window; < first: empty

	f   *rrd.File
	col int // column of the metric's data source; -1 until known
}

// window selects rows of a series: those with after < t <= until
// (until 0: up to the newest complete row).
type window struct {
	after Cursor
	since int64 // rows with t >= since (0: no bound)
	until int64 // rows with t <= until (0: no bound)
}

// openSeries opens one metric's RRD for the rows in w of its
// full-resolution AVERAGE archive. Only complete rows (t <= last update)
// are in the window. A cursor later than the last update (the file was
// recreated) makes the whole retention eligible and sets stale. The caller
// closes the series.
func openSeries(path, name string, w window) (*series, error) {
	f, err := rrd.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := newSeries(f, path, name, w)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func newSeries(f *rrd.File, path, name string, w window) (*series, error) {
	def := f.Definition()
	step := int64(def.Step / time.Second)
	if step <= 0 {
		return nil, fmt.Errorf("%s: step %v: %w", path, def.Step, rrd.ErrInvalid)
	}
	ra, ok := fullResolution(def.RRA)
	if !ok {
		return nil, fmt.Errorf("%s has no AVERAGE archive", path)
	}
	col := dsIndexDef(def.DS, name)
	if col < 0 {
		return nil, fmt.Errorf("%s has %d data sources and none is named %s", path, len(def.DS), dsName(name))
	}
	res := step * int64(ra.Steps)
	lu, err := f.LastUpdate()
	if err != nil {
		return nil, err
	}
	s := &series{name: name, step: res, last: lu.Unix(), f: f, col: col}
	s.end = floorDiv(s.last, res) * res
	s.oldest = s.end - int64(ra.Rows-1)*res

	after := w.after.Unix()
	if after > s.last {
		s.stale = true
		after = 0
	}
	s.until = s.end
	if w.until > 0 && w.until < s.until {
		s.until = floorDiv(w.until, res) * res
	}
	// first is the time of the first row wanted.
	s.first = s.oldest
	if a := floorDiv(after, res)*res + res; a > s.first {
		s.first = a
	}
	if w.since > 0 {
		if a := ceilDiv(w.since, res) * res; a > s.first {
			s.first = a
		}
	}
	return s, nil
}

// Close closes the series' file.
func (s *series) Close() error { return s.f.Close() }

// empty reports whether the window holds no rows at all.
func (s *series) empty() bool { return s.first > s.until }

// each calls fn with every known value of the window, oldest first,
// reading the file chunkRows rows at a time; unknown rows are skipped as
// they are read. An error of fn stops the walk and is returned.
func (s *series) each(fn func(point) error) error {
	if s.empty() {
		return nil
	}
	first, err := s.start(s.first, 0)
	if err != nil {
		return err
	}
	err = s.eachFrom(first, fn)
	if errors.Is(err, errEdge) {
		// The agent wrote rows since the file was opened and the oldest
		// wanted row left the archive: start a few rows further in.
		if first, err = s.start(s.first, edgeRows); err != nil {
			return err
		}
		err = s.eachFrom(first, fn)
	}
	return err
}

// errEdge is returned by eachFrom when the first rows asked for are no
// longer in the full-resolution archive (a coarser one answered).
var errEdge = errors.New("rows left the archive")

func (s *series) eachFrom(first int64, fn func(point) error) error {
	if first > s.until {
		return nil
	}
	res := time.Duration(s.step) * time.Second
	started := false
	// rrdtool fetch returns the rows after its (aligned) start.
	return s.f.FetchChunks(rrd.Average, time.Unix(first-s.step, 0), time.Unix(s.until, 0), res, chunkRows, func(r *rrd.Result) error {
		if r.Step != res {
			if !started {
				return errEdge
			}
			return fmt.Errorf("%s: fetch chose a %v archive instead of %v", s.f.Path(), r.Step, res)
		}
		started = true
		for i, row := range r.Rows {
			t := r.Time(i).Unix()
			if t < first || t > s.until || s.col >= len(row) {
				continue
			}
			v := row[s.col]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if err := fn(point{t, v}); err != nil {
				return err
			}
		}
		return nil
	})
}

// edgeRows is how far inside the archive's oldest row a read starts when
// the first attempt found that row gone: the agent keeps updating the file,
// and a fetch reaching past the oldest row is answered from a coarser
// archive, if the file has one. Rows that old are leaving the archive
// anyway.
const edgeRows = 8

// start returns the time of the first row to read: t, or the oldest row
// the archive holds now plus margin rows if that is later.
func (s *series) start(t int64, margin int64) (int64, error) {
	lu, err := s.f.LastUpdate()
	if err != nil {
		return 0, err
	}
	shift := floorDiv(lu.Unix(), s.step)*s.step - s.end // rows written since open
	return max(t, s.oldest+shift+margin*s.step), nil
}

// reader pulls the known values of a series' window in order, reading the
// file chunkRows rows at a time: for merging several series by time.
type reader struct {
	s    *series
	next int64 // time of the next row to read from the file
	buf  []point
	i    int
	err  error
}

func (s *series) reader() *reader { return &reader{s: s, next: s.first} }

// peek returns the next known value, or false at the end of the window or
// on an error (see err).
func (r *reader) peek() (point, bool) {
	for r.i >= len(r.buf) {
		if r.err != nil || r.next > r.s.until {
			return point{}, false
		}
		r.fill()
	}
	return r.buf[r.i], true
}

// advance moves past the value peek returned.
func (r *reader) advance() { r.i++ }

// fill reads the next chunkRows rows.
func (r *reader) fill() {
	s := r.s
	res := time.Duration(s.step) * time.Second
	for attempt := int64(0); ; attempt++ {
		next, err := s.start(r.next, attempt*edgeRows)
		if err != nil {
			r.err = err
			return
		}
		r.next = next
		if r.next > s.until {
			return
		}
		last := min(r.next+int64(chunkRows-1)*s.step, s.until)
		out, err := s.f.Fetch(rrd.Average, time.Unix(r.next-s.step, 0), time.Unix(last, 0), res)
		if err == nil && out.Step != res {
			if attempt == 0 {
				continue // the rows left the archive: start further in
			}
			err = fmt.Errorf("%s: fetch chose a %v archive instead of %v", s.f.Path(), out.Step, res)
		}
		if err != nil {
			r.err = err
			return
		}
		r.buf, r.i = r.buf[:0], 0
		for i, row := range out.Rows {
			t := out.Time(i).Unix()
			if t < r.next || t > last || s.col >= len(row) {
				continue
			}
			if v := row[s.col]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				r.buf = append(r.buf, point{t, v})
			}
		}
		r.next = last + s.step
		return
	}
}

// fullResolution returns the AVERAGE archive with the fewest steps per row.
func fullResolution(ras []rrd.RRA) (rrd.RRA, bool) {
	var best rrd.RRA
	found := false
	for _, ra := range ras {
		if ra.CF != rrd.Average || ra.Steps < 1 || ra.Rows < 1 {
			continue
		}
		if !found || ra.Steps < best.Steps || (ra.Steps == best.Steps && ra.Rows > best.Rows) {
			best, found = ra, true
		}
	}
	return best, found
}

// dsName is the data source name numenta-rogue gave a metric: its name cut
// to rrdtool's 19 characters.
func dsName(metric string) string {
	if len(metric) > 19 {
		return metric[:19]
	}
	return metric
}

// dsIndexDef returns the column of metric's data source, or of the only
// data source there is; -1 if neither.
func dsIndexDef(ds []rrd.DS, metric string) int {
	want := dsName(metric)
	for i, d := range ds {
		if d.Name == want {
			return i
		}
	}
	if len(ds) == 1 {
		return 0
	}
	return -1
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// errNoRRD reports a metric without an RRD file; it is skipped quietly (the
// agent may not collect it on this machine).
var errNoRRD = errors.New("no RRD file")
