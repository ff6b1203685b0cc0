package anomaly

import (
	"fmt"
	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
	"os"
	"testing"
)

// TestNABFiles prints per-file detections at the standard threshold.
func TestNABFiles(t *testing.T) {
	if os.Getenv("NAB_FILES") == "" {
		t.Skip()
	}
	files := loadNAB(t)
	scores := runNAB(files, baseParams(t))
	r := nabscore.Score(files, scores, nabscore.Profiles[0])
	thr := r.Threshold
	fmt.Printf("standard %.2f thr %.4f\n", r.Normalized, thr)
	for i, f := range files {
		prob := nabscore.ProbationLength(len(f.Values))
		fp := 0
		var ws []string
		for j := prob; j < len(f.Values); j++ {
			if scores[i][j] < thr {
				continue
			}
			in := false
			for _, w := range f.Windows {
				in = in || (j >= w[0] && j <= w[1])
			}
			if !in {
				fp++
			}
		}
		for _, w := range f.Windows {
			first := -1
			for j := max(w[0], prob); j <= w[1]; j++ {
				if scores[i][j] >= thr {
					first = j
					break
				}
			}
			if first < 0 {
				ws = append(ws, fmt.Sprintf("MISS[%d-%d]", w[0], w[1]))
			} else {
				ws = append(ws, fmt.Sprintf("%.2f", float64(first-w[0])/float64(w[1]-w[0])))
			}
		}
		fmt.Printf("%-55s n=%5d prob=%3d FP=%3d %v\n", f.Name, len(f.Values), prob, fp, ws)
	}
}
