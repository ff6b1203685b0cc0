package anomaly

import (
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
)

func TestNABDump(t *testing.T) {
	if os.Getenv("NAB_DUMP") == "" {
		t.Skip()
	}
	files := loadNAB(t)
	p := baseParams(t)
	out, _ := os.Create(os.Getenv("NAB_DUMP"))
	defer out.Close()
	fmt.Fprintln(out, "file,i,n,prob,inwin,why,score,z,reports,since,s0,s1,s2,r0,r1,r2,run")
	for _, f := range files {
		prob := nabscore.ProbationLength(len(f.Values))
		d := New(Config{})
		d.p = p
		d.Reset()
		last := -1
		for j, v := range f.Values {
			s := d.Update(f.Times[j], v)
			if s < 0.5029 {
				continue
			}
			in := 0
			for _, w := range f.Windows {
				if j >= w[0] && j <= w[1] {
					in = 1
				}
			}
			z := math.Abs(v-d.mean) / math.Sqrt(d.vari)
			fmt.Fprintf(out, "%s,%d,%d,%d,%d,%d,%.4f,%.2f,%d,%d,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%d\n", f.Name, j, d.n, prob, in, d.why, s, z, d.reports, j-last,
				d.lh[0].sum, d.lh[1].sum, d.lh[2].sum, d.lh[0].rate, d.lh[1].rate, d.lh[2].rate, d.run)
			last = j
		}
	}
}
