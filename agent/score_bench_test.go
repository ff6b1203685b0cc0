package agent

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/metric"
)

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// plantFortnight stores 14 days of history at 60 s for all 13 metrics,
// with daily rhythm and noise, and returns the folder.
func plantFortnight(b *testing.B) string {
	b.Helper()
	prefix := filepath.Join(b.TempDir(), "db")
	const step = 60 * time.Second
	rows := int(WarmupSpan / step)
	start := time.Now().Truncate(step).Add(-time.Duration(rows+2) * step)
	values := map[string][]float64{}
	for k, m := range metric.All {
		gen := noise(uint64(k+10), 1, 1)
		v := make([]float64, rows)
		for i := range v {
			day := math.Sin(2 * math.Pi * float64(i) / (24 * 60))
			v[i] = (10 + 5*day) * gen() * float64(k+1)
		}
		values[m.Name] = v
	}
	plantHistory(b, prefix, step, start, values)
	return prefix
}

// BenchmarkWarmUp measures the start of the agent with two weeks of
// history (13 metrics × 20160 rows at 60 s): every detector learns it all,
// and the scores are written into new score files (the first start with
// anomaly detection). The goal is ≤ 1 s of CPU (cpu-s/op); it runs in the
// background while the menu is already up.
func BenchmarkWarmUp(b *testing.B) {
	benchWarmUp(b, true)
}

// BenchmarkWarmUpRestart is the same with the score files up to date: a
// restart, where the detectors only learn.
func BenchmarkWarmUpRestart(b *testing.B) {
	benchWarmUp(b, false)
}

func benchWarmUp(b *testing.B, fresh bool) {
	prefix := plantFortnight(b)
	if !fresh {
		a, _ := newTestAgent(b, Config{Prefix: prefix, Interval: time.Minute})
		a.warmUp(context.Background())
		a.Close()
	}
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		if fresh {
			os.RemoveAll(filepath.Join(prefix, ScoreDir))
		}
		a, _ := newTestAgent(b, Config{Prefix: prefix, Interval: time.Minute})
		b.StartTimer()
		c0 := cpuTime()
		a.warmUp(context.Background())
		cpu += cpuTime() - c0
		b.StopTimer()
		a.scores.mu.Lock()
		for _, f := range a.scores.files {
			if f != nil {
				f.Close()
			}
		}
		a.scores.mu.Unlock()
		a.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
