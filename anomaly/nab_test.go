package anomaly

import (
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
)

// nabCorpus loads the NAB copy named by $NAB_DIR once, or skips the test.
var nabCorpus = sync.OnceValues(func() ([]*nabscore.File, error) {
	return nabscore.Load(os.Getenv("NAB_DIR"))
})

func loadNAB(t *testing.T) []*nabscore.File {
	t.Helper()
	if os.Getenv("NAB_DIR") == "" {
		t.Skip("NAB_DIR not set (a copy of github.com/numenta/NAB)")
	}
	files, err := nabCorpus()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// runNAB scores every file of the corpus with fresh detectors using p.
func runNAB(files []*nabscore.File, p params) [][]float64 {
	out := make([][]float64, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d := New(Config{})
			d.p = p
			d.Reset()
			s := make([]float64, len(f.Values))
			for j, v := range f.Values {
				s[j] = d.Update(f.Times[j], v)
			}
			out[i] = s
		}()
	}
	wg.Wait()
	return out
}

func nabLine(files []*nabscore.File, scores [][]float64) string {
	s := ""
	for _, p := range nabscore.Profiles {
		r := nabscore.Score(files, scores, p)
		s += fmt.Sprintf(" %s %.2f@%.4f(TP%d FP%d)", p.Name[:min(len(p.Name), 13)], r.Normalized, r.Threshold, r.TP, r.FP)
	}
	return s
}

// TestNAB scores the default detector on NAB with the Go port of NAB's
// scorer (bench/nab.sh confirms with NAB's own).
// It fails below 75, above every published detector (ARTime 74.9), if
// NAB's optimal threshold moved away from Threshold, or if Threshold itself
// scores less than the optimum (a detection just below it).
func TestNAB(t *testing.T) {
	files := loadNAB(t)
	scores := runNAB(files, defaultParams)
	t.Log("default:" + nabLine(files, scores))
	r := nabscore.Score(files, scores, nabscore.Profiles[0])
	at := nabscore.ScoreAt(files, scores, nabscore.Profiles[0], Threshold)
	t.Logf("optimal threshold %v; at Threshold %v: %.2f (TP%d FP%d)", r.Threshold, Threshold, at.Normalized, at.TP, at.FP)
	if r.Normalized < 75 {
		t.Errorf("NAB standard score %.2f, want at least 75", r.Normalized)
	}
	if at.Normalized < r.Normalized-0.005 {
		t.Errorf("NAB standard score at Threshold %v is %.2f, at the optimal threshold %.6f %.2f", Threshold, at.Normalized, r.Threshold, r.Normalized)
	}
	if math.Abs(r.Threshold-Threshold) > 0.001 {
		t.Errorf("NAB's optimal threshold is %.4f, Threshold is %v", r.Threshold, Threshold)
	}
}

// BenchmarkNABCorpus runs the detector over the whole NAB corpus (one
// fresh detector per file, one goroutine) and reports points per second:
// the goal is at least 1 M. It needs $NAB_DIR; bench/nab.sh runs it.
func BenchmarkNABCorpus(b *testing.B) {
	if os.Getenv("NAB_DIR") == "" {
		b.Skip("NAB_DIR not set")
	}
	files, err := nabCorpus()
	if err != nil {
		b.Fatal(err)
	}
	points := 0
	for _, f := range files {
		points += len(f.Values)
	}
	d := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			d.Reset()
			for j, v := range f.Values {
				d.Update(f.Times[j], v)
			}
		}
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(points)/float64(b.N), "ns/point")
}
