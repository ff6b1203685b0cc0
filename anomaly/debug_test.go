package anomaly

import (
	"fmt"
	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
	"os"
	"strings"
	"testing"
)

func TestNABDebug(t *testing.T) {
	name := os.Getenv("NAB_FILE")
	if name == "" {
		t.Skip()
	}
	files := loadNAB(t)
	for _, f := range files {
		if !strings.Contains(f.Name, name) {
			continue
		}
		p := defaultParams
		for _, kv := range strings.Fields(os.Getenv("NAB_SET")) {
			k, v, _ := strings.Cut(kv, "=")
			setParam(&p, k, v)
		}
		d := New(Config{})
		d.p = p
		d.Reset()
		fmt.Println(f.Name, len(f.Values), f.Windows)
		every := len(f.Values) / 200
		for j, v := range f.Values {
			s := d.Update(f.Times[j], v)
			in := ""
			for _, w := range f.Windows {
				if j >= w[0] && j <= w[1] {
					in = "W"
				}
			}
			if j%every == 0 || s > 0.4 {
				fmt.Printf("%5d %s %10.3f raw=%.2f avg=%.3f s=%.3f bin=%d\n", j, in, v, d.dbgRaw, d.dbgAvg, s, d.bin(v))
			}
		}
	}
}

// TestNABFiles prints per-file detections at the standard threshold.
func TestNABFiles(t *testing.T) {
	if os.Getenv("NAB_FILES") == "" {
		t.Skip()
	}
	files := loadNAB(t)
	p := defaultParams
	for _, kv := range strings.Fields(os.Getenv("NAB_BASE")) {
		k, v, _ := strings.Cut(kv, "=")
		setParam(&p, k, v)
	}
	scores := runNAB(files, p)
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
