package nabscore

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// nabDir returns the NAB copy named by $NAB_DIR or skips the test.
func nabDir(t *testing.T) string {
	d := os.Getenv("NAB_DIR")
	if d == "" {
		t.Skip("NAB_DIR not set")
	}
	return d
}

func TestScaledSigmoid(t *testing.T) {
	for _, c := range []struct{ pos, want float64 }{
		{-1, 0.98661}, {-0.5, 0.84828}, {0, 0}, {1, -0.98661}, {3.5, -1},
	} {
		if got := scaledSigmoid(c.pos); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("scaledSigmoid(%v) = %v, want %v", c.pos, got, c.want)
		}
	}
}

func TestProbationLength(t *testing.T) {
	for _, c := range []struct{ n, want int }{{1000, 150}, {4032, 604}, {5000, 750}, {22695, 750}} {
		if got := ProbationLength(c.n); got != c.want {
			t.Errorf("ProbationLength(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// TestShippedResults re-scores the result files NAB ships for published
// detectors and compares with NAB's own final_results.json and
// thresholds.json.
func TestShippedResults(t *testing.T) {
	dir := nabDir(t)
	files, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 58 || Windows(files) != 116 {
		t.Fatalf("corpus: %d files, %d windows; want 58, 116", len(files), Windows(files))
	}
	var final map[string]map[string]float64
	readJSON(t, filepath.Join(dir, "results", "final_results.json"), &final)
	var thresholds map[string]map[string]struct{ Score, Threshold float64 }
	readJSON(t, filepath.Join(dir, "config", "thresholds.json"), &thresholds)
	for _, det := range []string{"contextOSE", "numenta", "knncad", "windowedGaussian", "relativeEntropy", "ARTime"} {
		scores := make([][]float64, len(files))
		for i, f := range files {
			cat, name := filepath.Split(f.Name)
			scores[i] = readScores(t, filepath.Join(dir, "results", det, cat, det+"_"+name), len(f.Values))
		}
		for _, p := range Profiles {
			r := Score(files, scores, p)
			want := final[det][p.Name]
			t.Logf("%-16s %-18s %6.2f (NAB %6.2f) threshold %.6f (NAB %.6f) TP %d FP %d FN %d",
				det, p.Name, r.Normalized, want, r.Threshold, thresholds[det][p.Name].Threshold, r.TP, r.FP, r.FN)
			// NAB's thresholds.json comes from its own optimiser run, which
			// for one shipped result set stopped short of the maximum: the
			// score at NAB's threshold must match, and ours may not be lower.
			at := ScoreAt(files, scores, p, thresholds[det][p.Name].Threshold)
			if math.Abs(at.Normalized-want) > 0.01 {
				t.Errorf("%s %s at NAB's threshold: %.4f, NAB says %.4f", det, p.Name, at.Normalized, want)
			}
			if r.Normalized < want-0.01 {
				t.Errorf("%s %s: optimised %.4f, below NAB's %.4f", det, p.Name, r.Normalized, want)
			}
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func readScores(t *testing.T, path string, n int) []float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Scan()
	col := -1
	for i, h := range strings.Split(sc.Text(), ",") {
		if h == "anomaly_score" {
			col = i
		}
	}
	var out []float64
	for sc.Scan() {
		v, err := strconv.ParseFloat(strings.Split(sc.Text(), ",")[col], 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if len(out) != n {
		t.Fatalf("%s: %d rows, want %d", path, len(out), n)
	}
	return out
}
