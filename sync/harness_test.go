package sync

import (
	"bytes"
	"log/slog"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// testLogger returns a logger writing to buf (nil: discarded).
func testLogger(buf *bytes.Buffer) *slog.Logger {
	if buf == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testRRD is an RRD made for a test, with the values it holds.
type testRRD struct {
	path string
	name string
	step int64
	next int64             // time of the next row to append
	vals map[int64]float64 // known values by row time
	all  []int64           // every row time written (known or not)
}

// makeRRD creates <prefix>/<name>.rrd (GAUGE, one AVERAGE archive of rows
// rows) whose first row ends at first.
func makeRRD(t testing.TB, prefix, name string, step, first int64, rows int) *testRRD {
	t.Helper()
	path := filepath.Join(prefix, name+".rrd")
	err := rrd.Create(path, rrd.Definition{
		Step:  time.Duration(step) * time.Second,
		Start: time.Unix(first-step, 0),
		DS:    []rrd.DS{{Name: dsName(name), Type: rrd.Gauge, Heartbeat: time.Duration(2*step) * time.Second, Min: math.NaN(), Max: math.NaN()}},
		RRA:   []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: rows}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testRRD{path: path, name: name, step: step, next: first, vals: map[int64]float64{}}
}

// add appends one update per value at consecutive row ends; with GAUGE each
// row's average is exactly its value. NaN makes an unknown row.
func (r *testRRD) add(t testing.TB, values ...float64) {
	t.Helper()
	f, err := rrd.Open(r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples := make([]rrd.Sample, len(values))
	for i, v := range values {
		ts := r.next + int64(i)*r.step
		samples[i] = rrd.Sample{Time: time.Unix(ts, 0), Values: []float64{v}}
		r.all = append(r.all, ts)
		if !math.IsNaN(v) {
			r.vals[ts] = v
		}
	}
	if err := f.Update(samples...); err != nil {
		t.Fatal(err)
	}
	r.next += int64(len(values)) * r.step
}

// last is the time of the newest row.
func (r *testRRD) last() int64 { return r.next - r.step }

// wave returns n test values with fractions, tiny and large magnitudes and
// a few unknowns.
func wave(n, seed int) []float64 {
	v := make([]float64, n)
	for i := range v {
		x := float64(i + seed)
		switch {
		case (i+31*seed)%97 == 13:
			v[i] = math.NaN()
		case seed%3 == 1:
			v[i] = 1e-7 * (1 + math.Sin(x)) // tiny
		case seed%3 == 2:
			v[i] = 1.2345678901234567e9 * (1 + math.Cos(x/5)) // bytes/s
		default:
			v[i] = 50 + 49.9*math.Sin(x/10) + x/3 // percent
		}
	}
	return v
}

// stored returns the known values the RRD holds (by rrd.Fetch), checking
// that they are the values written up to rounding: rrdtool's (and our
// engine's) GAUGE arithmetic, value*seconds/step, may change the last bit.
// The forward must deliver exactly these.
func (r *testRRD) stored(t testing.TB) map[int64]float64 {
	t.Helper()
	f, err := rrd.Open(r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := f.Fetch(rrd.Average, time.Unix(r.all[0]-r.step, 0), time.Unix(r.last(), 0), time.Duration(r.step)*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]float64{}
	for i, row := range res.Rows {
		ts := res.Time(i).Unix()
		if ts < r.all[0] || ts > r.last() || math.IsNaN(row[0]) {
			continue
		}
		out[ts] = row[0]
	}
	for ts, v := range r.vals {
		if _, ok := out[ts]; !ok {
			continue // fell out of the archive
		}
		if d := math.Abs(out[ts] - v); d > 1e-12*math.Abs(v) {
			t.Fatalf("%s at %d: RRD holds %v, %v was written", r.name, ts, out[ts], v)
		}
	}
	return out
}
