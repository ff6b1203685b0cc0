package rrd

import (
	"io"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// agentDef is the definition the agent uses for one metric.
func agentDef(typ DSType, start time.Time) Definition {
	return Definition{
		Step:  60 * time.Second,
		Start: start,
		DS:    []DS{{Name: "Metric", Type: typ, Heartbeat: 600 * time.Second, Min: 0, Max: math.NaN()}},
		RRA: []RRA{
			{CF: Average, XFF: 0.5, Steps: 1, Rows: 4032},
			{CF: Average, XFF: 0.5, Steps: 60, Rows: 744},
			{CF: Max, XFF: 0.5, Steps: 60, Rows: 744},
		},
	}
}

func benchFile(b *testing.B, typ DSType) (*File, time.Time) {
	start := time.Unix(1700000000, 0)
	p := filepath.Join(b.TempDir(), "b.rrd")
	if err := Create(p, agentDef(typ, start)); err != nil {
		b.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f, start
}

// BenchmarkUpdate measures the agent's pattern: one sample per call, one
// call per step, into a file with a fine and two hourly archives. It exists
// to keep Update cheap (lock, one header read, few writes, no garbage).
func BenchmarkUpdate(b *testing.B) {
	for _, typ := range []DSType{Gauge, Derive} {
		b.Run(string(typ), func(b *testing.B) {
			f, t := benchFile(b, typ)
			s := Sample{Values: []float64{0}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				t = t.Add(60 * time.Second)
				s.Time = t
				s.Values[0] = float64(i * 1000)
				if err := f.Update(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpdateRawBatch measures the CLI's pattern: many samples given
// as text in one call.
func BenchmarkUpdateRawBatch(b *testing.B) {
	f, t := benchFile(b, Derive)
	batch := make([]Sample, 100)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := range batch {
			n++
			t = t.Add(60 * time.Second)
			batch[i] = Sample{Time: t, Raw: []string{strconv.Itoa(n * 4096)}}
		}
		if err := f.Update(batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkFetch measures what sync does for each metric: a day of
// one-minute averages from a full archive.
func BenchmarkFetch(b *testing.B) {
	f, t := benchFile(b, Gauge)
	batch := make([]Sample, 5000)
	for i := range batch {
		t = t.Add(60 * time.Second)
		batch[i] = Sample{Time: t, Values: []float64{float64(i)}}
	}
	if err := f.Update(batch...); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := f.Fetch(Average, t.Add(-24*time.Hour), t, time.Minute)
		if err != nil || len(r.Rows) != 1441 {
			b.Fatalf("Fetch: %v", err)
		}
	}
}

// bigArchive creates and opens a file with one GAUGE and a 200,000-row
// AVERAGE archive for the streaming benchmarks; it is closed at the end of
// the benchmark.
func bigArchive(b *testing.B) (*File, Definition) {
	b.Helper()
	p := filepath.Join(b.TempDir(), "big.rrd")
	def := Definition{Step: time.Minute, Start: time.Unix(1700000000, 0),
		DS:  []DS{{Name: "a", Type: Gauge, Heartbeat: 2 * time.Minute, Min: math.NaN(), Max: math.NaN()}},
		RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: 200000}}}
	if err := Create(p, def); err != nil {
		b.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f, def
}

// BenchmarkDumpStream exists because dump must not hold a file in memory
// (rrdtool dump of 2×10^7 rows took 165 MB): it dumps a 200,000-row archive
// and reports the bytes allocated per dump, which stay far below the
// file's 1.6 MB of rows. bench/rrd.sh compares time and memory with
// rrdtool on a 160 MB file.
func BenchmarkDumpStream(b *testing.B) {
	f, _ := bigArchive(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Dump(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetchStream is BenchmarkDumpStream for a fetch of the whole
// archive through FetchStream.
func BenchmarkFetchStream(b *testing.B) {
	f, def := bigArchive(b)
	b.ReportAllocs()
	end := def.Start
	start := end.Add(-200000 * time.Minute)
	for b.Loop() {
		n := 0
		err := f.FetchStream(Average, start, end, 0, func(*Result) error { return nil },
			func(int64, time.Time, []float64) error { n++; return nil })
		if err != nil || n < 200000 {
			b.Fatalf("FetchStream: %d rows, %v", n, err)
		}
	}
}
