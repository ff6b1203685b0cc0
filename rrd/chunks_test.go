package rrd

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestFetchChunks_SameRowsAsFetch: the parts, put together, are exactly
// Fetch's answer, for windows inside, across and beyond the archives, and
// no part is longer than asked.
func TestFetchChunks_SameRowsAsFetch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.rrd")
	const start = 1_700_000_000
	err := Create(path, Definition{
		Step:  10 * time.Second,
		Start: time.Unix(start, 0),
		DS: []DS{
			{Name: "a", Type: Gauge, Heartbeat: time.Minute, Min: math.NaN(), Max: math.NaN()},
			{Name: "b", Type: Gauge, Heartbeat: time.Minute, Min: math.NaN(), Max: math.NaN()},
		},
		RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: 500}, {CF: Average, XFF: 0.5, Steps: 6, Rows: 100}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var samples []Sample
	for i := 1; i <= 700; i++ {
		v := float64(i)
		if i%17 == 0 {
			v = math.NaN()
		}
		samples = append(samples, Sample{Time: time.Unix(start+int64(i)*10, 0), Values: []float64{v, -v / 3}})
	}
	if err := f.Update(samples...); err != nil {
		t.Fatal(err)
	}
	last := int64(start + 7000)
	for _, tc := range []struct {
		name       string
		s, e       int64
		res        time.Duration
		maxRows    int
		wantChunks int
	}{
		{"inside, exact parts", last - 990, last - 10, 10 * time.Second, 33, 3},
		{"inside, ragged", last - 995, last, 0, 64, 2},
		{"one row", last - 10, last - 10, 0, 1, 2},
		{"past the end", last - 100, last + 300, 0, 7, 6},
		{"coarse archive", last - 5000, last, time.Minute, 16, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := f.Fetch(Average, time.Unix(tc.s, 0), time.Unix(tc.e, 0), tc.res)
			if err != nil {
				t.Fatal(err)
			}
			var rows [][]float64
			var times []int64
			chunks := 0
			err = f.FetchChunks(Average, time.Unix(tc.s, 0), time.Unix(tc.e, 0), tc.res, tc.maxRows, func(r *Result) error {
				if len(r.Rows) > tc.maxRows || len(r.Rows) == 0 {
					t.Fatalf("part of %d rows, at most %d asked", len(r.Rows), tc.maxRows)
				}
				if r.Step != want.Step || !slices.Equal(r.DS, want.DS) {
					t.Fatalf("part step %v DS %v, Fetch %v %v", r.Step, r.DS, want.Step, want.DS)
				}
				for i, row := range r.Rows {
					rows = append(rows, slices.Clone(row))
					times = append(times, r.Time(i).Unix())
				}
				chunks++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want.Rows) {
				t.Fatalf("%d rows in parts, Fetch gave %d", len(rows), len(want.Rows))
			}
			for i := range rows {
				if times[i] != want.Time(i).Unix() {
					t.Fatalf("row %d at %d, Fetch says %d", i, times[i], want.Time(i).Unix())
				}
				for j := range rows[i] {
					a, b := rows[i][j], want.Rows[i][j]
					if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
						t.Fatalf("row %d ds %d: %v, Fetch %v", i, j, a, b)
					}
				}
			}
			if chunks < tc.wantChunks-1 || chunks > tc.wantChunks {
				t.Fatalf("%d parts, want about %d", chunks, tc.wantChunks)
			}
		})
	}

	stop := errors.New("enough")
	n := 0
	err = f.FetchChunks(Average, time.Unix(last-990, 0), time.Unix(last, 0), 0, 10, func(*Result) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn's error: %v after %d parts", err, n)
	}
	if err := f.FetchChunks(Average, time.Unix(last, 0), time.Unix(last-10, 0), 0, 10, func(*Result) error { return nil }); err == nil {
		t.Fatal("end before start accepted")
	}
	if err := f.FetchChunks(Average, time.Unix(last-10, 0), time.Unix(last, 0), 0, 0, func(*Result) error { return nil }); err == nil {
		t.Fatal("parts of 0 rows accepted")
	}
}

// BenchmarkFetchChunks reads two weeks of one-second rows (1.2 M) in parts
// of 4096: the forward's first read at a 1 s step, in bounded memory (see
// B/op: about one part, not the window).
func BenchmarkFetchChunks(b *testing.B) {
	path := filepath.Join(b.TempDir(), "x.rrd")
	const rows = 14 * 86400
	err := Create(path, Definition{
		Step:  time.Second,
		Start: time.Unix(1_700_000_000, 0),
		DS:    []DS{{Name: "a", Type: Gauge, Heartbeat: time.Minute, Min: math.NaN(), Max: math.NaN()}},
		RRA:   []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: rows}},
	})
	if err != nil {
		b.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := f.Update(Sample{Time: time.Unix(1_700_000_000+rows, 0), Values: []float64{1}}); err != nil {
		b.Fatal(err)
	}
	end := time.Unix(1_700_000_000+rows, 0)
	for b.Loop() {
		err := f.FetchChunks(Average, end.Add(-rows*time.Second), end, time.Second, 4096, func(*Result) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}
