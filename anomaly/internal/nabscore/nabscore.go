package nabscore

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Profile is one of NAB's cost matrices.
type Profile struct {
	Name       string
	TP, FP, FN float64
}

// Profiles are NAB's three application profiles (config/profiles.json).
var Profiles = []Profile{
	{"standard", 1, 0.11, 1},
	{"reward_low_FP_rate", 1, 0.22, 1},
	{"reward_low_FN_rate", 1, 0.11, 2},
}

// File is one data file of the corpus with its labelled windows.
type File struct {
	Name    string    // relative to data/, e.g. "realKnownCause/nyc_taxi.csv"
	Stamps  []string  // timestamps as written in the file
	Times   []int64   // the same in Unix seconds (UTC)
	Values  []float64 // NaN for unparsable values
	Windows [][2]int  // first and last row index of each window
}

const layout = "2006-01-02 15:04:05"

// Load reads every data file of the NAB copy in dir and its windows from
// labels/combined_windows.json.
func Load(dir string) ([]*File, error) {
	b, err := os.ReadFile(filepath.Join(dir, "labels", "combined_windows.json"))
	if err != nil {
		return nil, fmt.Errorf("nabscore: %w", err)
	}
	var wins map[string][][2]string
	if err := json.Unmarshal(b, &wins); err != nil {
		return nil, fmt.Errorf("nabscore: windows: %w", err)
	}
	names := make([]string, 0, len(wins))
	for n := range wins {
		names = append(names, n)
	}
	sort.Strings(names)
	var files []*File
	for _, n := range names {
		f, err := readData(filepath.Join(dir, "data", n))
		if err != nil {
			return nil, err
		}
		f.Name = n
		idx := make(map[int64]int, len(f.Times))
		for i, t := range f.Times {
			idx[t] = i
		}
		for _, w := range wins[n] {
			var ij [2]int
			for k := range 2 {
				t, err := time.Parse(layout, strings.TrimSuffix(w[k], ".000000"))
				if err != nil {
					return nil, fmt.Errorf("nabscore: window of %s: %w", n, err)
				}
				i, ok := idx[t.Unix()]
				if !ok {
					return nil, fmt.Errorf("nabscore: window of %s: %s is not a row", n, w[k])
				}
				ij[k] = i
			}
			f.Windows = append(f.Windows, ij)
		}
		files = append(files, f)
	}
	return files, nil
}

func readData(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("nabscore: %w", err)
	}
	defer fh.Close()
	f := &File{}
	sc := bufio.NewScanner(fh)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		ts, val, ok := strings.Cut(sc.Text(), ",")
		if !ok {
			return nil, fmt.Errorf("nabscore: %s: bad row %q", path, sc.Text())
		}
		t, err := time.Parse(layout, ts)
		if err != nil {
			return nil, fmt.Errorf("nabscore: %s: %w", path, err)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			v = math.NaN()
		}
		f.Stamps = append(f.Stamps, ts)
		f.Times = append(f.Times, t.Unix())
		f.Values = append(f.Values, v)
	}
	return f, sc.Err()
}

// Windows returns the number of windows in the corpus (NAB's perfect score
// in true positives).
func Windows(files []*File) int {
	n := 0
	for _, f := range files {
		n += len(f.Windows)
	}
	return n
}

// point is one scorable row (NAB's AnomalyPoint outside the probation).
type point struct {
	score  float64
	sweep  float64
	window int // corpus-wide window number, -1 outside windows
}

func scaledSigmoid(pos float64) float64 {
	if pos > 3 {
		return -1
	}
	return 2/(1+math.Exp(5*pos)) - 1
}

// ProbationLength is NAB's probationary period of a file of n rows.
func ProbationLength(n int) int {
	return int(math.Min(math.Floor(0.15*float64(n)), 0.15*5000))
}

// sweep computes the points of one file like NAB's Sweeper.calcSweepScore.
func sweep(f *File, scores []float64, p Profile, firstWindow int, out []point) []point {
	maxTP := scaledSigmoid(-1)
	prob := ProbationLength(len(scores))
	cur := -1 // index into f.Windows of the current window
	next := 0
	prevRight, prevWidth := -1, 0.0
	for i, s := range scores {
		if next < len(f.Windows) && f.Windows[next][0] == i {
			cur = next
			next++
		}
		var w float64
		win := -1
		if cur >= 0 {
			right := f.Windows[cur][1]
			width := float64(right - f.Windows[cur][0] + 1)
			w = scaledSigmoid(-float64(right-i+1)/width) * p.TP / maxTP
			win = firstWindow + cur
		} else {
			u := -1.0
			if prevRight >= 0 {
				u = scaledSigmoid(math.Abs(float64(prevRight-i)) / (prevWidth - 1))
			}
			w = u * p.FP
		}
		if i >= prob {
			out = append(out, point{s, w, win})
		}
		if cur >= 0 && i == f.Windows[cur][1] {
			prevRight = i
			prevWidth = float64(f.Windows[cur][1] - f.Windows[cur][0] + 1)
			cur = -1
		}
	}
	return out
}

// Result is the outcome of optimising and scoring one profile.
type Result struct {
	Profile    string
	Threshold  float64
	Raw        float64 // NAB's raw score at Threshold
	Normalized float64 // 100 * (Raw - null) / (perfect - null)
	TP, FP, FN int
}

// Score optimises the threshold over the whole corpus for profile p as NAB's
// optimiser does, and returns the normalised score there. scores[i] are the
// detector's scores for files[i].
func Score(files []*File, scores [][]float64, p Profile) Result {
	var pts []point
	wn := 0
	for i, f := range files {
		pts = sweep(f, scores[i], p, wn, pts)
		wn += len(f.Windows)
	}
	// Stable sort by decreasing score, as Python's sorted(reverse=True).
	slices.SortStableFunc(pts, func(a, b point) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	// Windows that have a scorable point start at -FN.
	best := make([]float64, wn)
	has := make([]bool, wn)
	cur := 0.0
	for _, q := range pts {
		if q.window >= 0 && !has[q.window] {
			has[q.window] = true
			best[q.window] = -p.FN
			cur -= p.FN
		}
	}
	fp := 0.0
	thr := 1.1
	bestScore, bestThr := cur+fp, thr
	nfp := 0
	bestFP := 0
	for _, q := range pts {
		if q.score != thr {
			if s := cur + fp; s > bestScore {
				bestScore, bestThr, bestFP = s, thr, nfp
			}
			thr = q.score
		}
		if q.window < 0 {
			fp += q.sweep
			nfp++
		} else {

			if q.sweep > best[q.window] {
				cur += q.sweep - best[q.window]
				best[q.window] = q.sweep
			}
		}
	}
	if s := cur + fp; s > bestScore {
		bestScore, bestThr, bestFP = s, thr, nfp
	}
	null := -p.FN * float64(wn)
	perfect := p.TP * float64(wn)
	// Count detected windows at the best threshold.
	det := map[int]bool{}
	for _, q := range pts {
		if q.score >= bestThr && q.window >= 0 {
			det[q.window] = true
		}
	}
	return Result{
		Profile:    p.Name,
		Threshold:  bestThr,
		Raw:        bestScore,
		Normalized: 100 * (bestScore - null) / (perfect - null),
		TP:         len(det),
		FP:         bestFP,
		FN:         wn - len(det),
	}
}

// ScoreAt scores the corpus for profile p with a fixed threshold: every row
// scoring at least threshold is a detection, as in NAB's scoring step.
func ScoreAt(files []*File, scores [][]float64, p Profile, threshold float64) Result {
	var pts []point
	wn := 0
	for i, f := range files {
		pts = sweep(f, scores[i], p, wn, pts)
		wn += len(f.Windows)
	}
	best := make(map[int]float64)
	fp, nfp := 0.0, 0
	for _, q := range pts {
		if q.window >= 0 {
			if _, ok := best[q.window]; !ok {
				best[q.window] = -p.FN
			}
		}
		if q.score < threshold {
			continue
		}
		if q.window < 0 {
			fp += q.sweep
			nfp++
		} else if q.sweep > best[q.window] {
			best[q.window] = q.sweep
		}
	}
	raw, tp := fp, 0
	for _, b := range best {
		raw += b
		if b > -p.FN {
			tp++
		}
	}
	null := -p.FN * float64(wn)
	perfect := p.TP * float64(wn)
	return Result{Profile: p.Name, Threshold: threshold, Raw: raw,
		Normalized: 100 * (raw - null) / (perfect - null), TP: tp, FP: nfp, FN: wn - tp}
}
