package anomaly

import (
	"fmt"
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
func TestNAB(t *testing.T) {
	files := loadNAB(t)
	t.Log("default:" + nabLine(files, runNAB(files, defaultParams)))
}
