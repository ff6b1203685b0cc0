package anomaly

import (
	"os"
	"strings"
	"testing"
)

func TestStatDebug(t *testing.T) {
	thr := Threshold
	if os.Getenv("THR") != "" {
		thr = 0
		for _, c := range os.Getenv("THR") {
			_ = c
		}
	}
	for _, s := range []series{
		{n: 20000, period: 288, amp: 10, noise: 1, seed: 3},
		{n: 20000, period: 1, amp: 0, noise: 1, seed: 4},
		{n: 20000, period: 50, amp: 3, noise: 3, seed: 5},
	} {
		for _, sp := range []float64{0, 1000} {
			d := New(Config{})
			for _, kv := range strings.Fields(os.Getenv("NAB_BASE")) {
				k, v, _ := strings.Cut(kv, "=")
				setParam(&d.p, k, v)
			}
			d.p.spatialTol = sp
			d.Reset()
			n, n2 := 0, 0
			for i, v := range s.values() {
				sc := d.Update(int64(1_400_000_000+i*step), v)
				if i > 1000 && sc >= thr {
					n++
					if i > 5000 {
						n2++
					}
				}
			}
			t.Logf("period %v spatialTol %v: %d flagged, %d after 5000", s.period, sp, n, n2)
		}
	}
}
