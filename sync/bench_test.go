package sync

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The benchmarks measure the load: a 14-day backlog of all 13
// metrics at a 60 s step (13 × 20,160 = 262,080 points). Goals: forward
// ≤ 1 s (until the server closed), export ≤ 0.5 s. bench/sync.sh runs the
// same against real carbon-cache and numenta-rogue's way (rrdtool fetch).

const benchRows = 14 * 24 * 60

// benchBacklog makes the 14-day backlog once per benchmark.
func benchBacklog(b *testing.B) (prefix string, points int) {
	b.Helper()
	prefix = b.TempDir()
	end := time.Now().Unix()/60*60 - 60
	for i, name := range allMetricNames() {
		r := makeRRD(b, prefix, name, 60, end-int64(benchRows-1)*60, benchRows)
		r.add(b, wave(benchRows, i)...)
		points += len(r.vals)
	}
	return prefix, points
}

func removeGlob(b *testing.B, pattern string) {
	b.Helper()
	m, _ := filepath.Glob(pattern)
	for _, p := range m {
		if err := os.Remove(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardOnce forwards the whole backlog to a Go listener that
// reads to the end and closes: the cost of reading RRDs, formatting and
// the TCP round, without a real server's parsing.
func BenchmarkForwardOnce(b *testing.B) {
	prefix, points := benchBacklog(b)
	s := newSink(b, nil)
	f := testForwarder(b, prefix, s.addr(), nil, time.Minute, nil)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		removeGlob(b, filepath.Join(prefix, "*.pos"))
		removeGlob(b, filepath.Join(prefix, JournalName))
		b.StartTimer()
		n, err := f.ForwardOnce(context.Background())
		if err != nil || n != points {
			b.Fatalf("ForwardOnce = %d, %v; want %d", n, err, points)
		}
		<-s.lines
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkExportAppend exports the backlog in numenta-rogue's append mode.
func BenchmarkExportAppend(b *testing.B) {
	prefix, points := benchBacklog(b)
	log := testLogger(nil)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		removeGlob(b, filepath.Join(prefix, "*.csv"))
		removeGlob(b, filepath.Join(prefix, "*-csv.pos"))
		b.StartTimer()
		n, err := exportAppend(context.Background(), prefix, nil, log)
		if err != nil || n != points {
			b.Fatalf("exportAppend = %d, %v; want %d", n, err, points)
		}
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkExportFolder exports the backlog as per-metric and wide CSVs.
func BenchmarkExportFolder(b *testing.B) {
	prefix, points := benchBacklog(b)
	out := b.TempDir()
	now := time.Now()
	b.ResetTimer()
	for b.Loop() {
		sum, err := ExportFolder(context.Background(), prefix, out, now.Add(-15*24*time.Hour), now, nil)
		if err != nil || sum.Points != points {
			b.Fatalf("ExportFolder = %d, %v; want %d", sum.Points, err, points)
		}
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}
