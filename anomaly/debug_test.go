package anomaly

import (
	"fmt"
	"os"
	"testing"

	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
)

// TestNABFiles prints per-file detections at the standard threshold, and
// which source (s: sequence, t: time of day, d: differences, w: hour of the
// week, x: an extreme or a flat run)
// raised each. Development tool: set $NAB_FILES.
func TestNABFiles(t *testing.T) {
	if os.Getenv("NAB_FILES") == "" {
		t.Skip("NAB_FILES not set")
	}
	files := loadNAB(t)
	p := baseParams(t)
	scores := make([][]float64, len(files))
	whys := make([][]int8, len(files))
	for i, f := range files {
		d := New(Config{})
		d.p = p
		d.Reset()
		scores[i] = make([]float64, len(f.Values))
		whys[i] = make([]int8, len(f.Values))
		for j, v := range f.Values {
			scores[i][j] = d.Update(f.Times[j], v)
			whys[i][j] = d.why
		}
	}
	r := nabscore.Score(files, scores, nabscore.Profiles[0])
	thr := r.Threshold
	fmt.Printf("standard %.2f thr %.4f\n", r.Normalized, thr)
	const src = "stdwx"
	var fpBy, tpBy [5]int
	for i, f := range files {
		prob := nabscore.ProbationLength(len(f.Values))
		fps := ""
		for j := prob; j < len(f.Values); j++ {
			if scores[i][j] < thr {
				continue
			}
			in := false
			for _, w := range f.Windows {
				in = in || (j >= w[0] && j <= w[1])
			}
			if !in {
				fpBy[whys[i][j]]++
				fps += fmt.Sprintf(" %d%c", j, src[whys[i][j]])
			}
		}
		var ws []string
		for _, w := range f.Windows {
			first := -1
			for j := max(w[0], prob); j <= w[1]; j++ {
				if scores[i][j] >= thr {
					first = j
					break
				}
			}
			if first < 0 {
				d := New(Config{})
				d.p = p
				d.p.rest, d.p.restFrac = 0, 0
				d.Reset()
				best, at, why := 0.0, 0, int8(0)
				for j, v := range f.Values[:w[1]+1] {
					s := d.Update(f.Times[j], v)
					if j >= max(w[0], prob) && s > best {
						best, at, why = s, j, d.why
					}
				}
				ws = append(ws, fmt.Sprintf("MISS[%d-%d](%.2f%c@%d)", w[0], w[1], best, src[why], at))
			} else {
				tpBy[whys[i][first]]++
				ws = append(ws, fmt.Sprintf("%.2f%c", float64(first-w[0])/float64(w[1]-w[0]), src[whys[i][first]]))
			}
		}
		fr := nabscore.ScoreAt(files[i:i+1], scores[i:i+1], nabscore.Profiles[0], thr)
		fmt.Printf("%-50.50s n=%5d prob=%3d raw=%6.2f %v FP:%s\n", f.Name, len(f.Values), prob, fr.Raw, ws, fps)
	}
	fmt.Printf("first TP by source %v, FP by source %v (s t d w x)\n", tpBy, fpBy)
}
