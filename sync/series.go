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

// series is what one RRD holds after a cursor.
type series struct {
	name   string
	step   int64   // seconds per row of the full-resolution archive
	last   int64   // last update, Unix seconds
	end    int64   // time of the newest complete row
	oldest int64   // time of the oldest row the archive holds
	stale  bool    // the cursor was later than the file's last update
	points []point // known values, oldest first
}

// window selects rows of a series: those with after < t <= until
// (until 0: up to the newest complete row).
type window struct {
	after Cursor
	since int64 // rows with t >= since (0: no bound)
	until int64 // rows with t <= until (0: no bound)
}

// readSeries reads the known values of one metric's RRD in w from its
// full-resolution AVERAGE archive. Only complete rows (t <= last update) are
// returned. A cursor later than the last update (the file was recreated)
// makes the whole retention eligible and sets stale.
func readSeries(path, name string, w window) (*series, error) {
	f, err := rrd.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	def := f.Definition()
	step := int64(def.Step / time.Second)
	if step <= 0 {
		return nil, fmt.Errorf("%s: step %v: %w", path, def.Step, rrd.ErrInvalid)
	}
	ra, ok := fullResolution(def.RRA)
	if !ok {
		return nil, fmt.Errorf("%s has no AVERAGE archive", path)
	}
	res := step * int64(ra.Steps)
	lu, err := f.LastUpdate()
	if err != nil {
		return nil, err
	}
	s := &series{name: name, step: res, last: lu.Unix()}
	s.end = floorDiv(s.last, res) * res
	s.oldest = s.end - int64(ra.Rows-1)*res

	after := w.after.Unix()
	if after > s.last {
		s.stale = true
		after = 0
	}
	end := s.end
	if w.until > 0 && w.until < end {
		end = floorDiv(w.until, res) * res
	}
	// first is the time of the first row wanted; rrdtool fetch returns the
	// rows after its (aligned) start.
	first := s.oldest
	if a := floorDiv(after, res)*res + res; a > first {
		first = a
	}
	if w.since > 0 {
		if a := ceilDiv(w.since, res) * res; a > first {
			first = a
		}
	}
	if first > end {
		return s, nil
	}
	r, err := f.Fetch(rrd.Average, time.Unix(first-res, 0), time.Unix(end, 0), time.Duration(res)*time.Second)
	if err != nil {
		return nil, err
	}
	if r.Step != time.Duration(res)*time.Second {
		return nil, fmt.Errorf("%s: fetch chose a %v archive instead of %ds", path, r.Step, res)
	}
	col := dsIndex(r.DS, name)
	if col < 0 {
		return nil, fmt.Errorf("%s has %d data sources and none is named %s", path, len(r.DS), dsName(name))
	}
	s.points = make([]point, 0, len(r.Rows))
	for i, row := range r.Rows {
		t := r.Time(i).Unix()
		if t < first || t > end || col >= len(row) {
			continue
		}
		v := row[col]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		s.points = append(s.points, point{t, v})
	}
	return s, nil
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

// dsIndex returns the column of metric's data source, or of the only data
// source there is; -1 if neither.
func dsIndex(ds []string, metric string) int {
	want := dsName(metric)
	for i, n := range ds {
		if n == want {
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
