package anomaly

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestStatDebug(t *testing.T) {
	thr := Threshold
	_ = strings.Cut
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

func TestSynthDebug(t *testing.T) {
	if os.Getenv("SYNTH_THR") == "" {
		t.Skip()
	}
	p := defaultParams
	for _, kv := range strings.Fields(os.Getenv("NAB_BASE")) {
		k, v, _ := strings.Cut(kv, "=")
		setParam(&p, k, v)
	}
	var thr float64
	fmt.Sscan(os.Getenv("SYNTH_THR"), &thr)
	run := func(vs []float64) []float64 {
		d := New(Config{})
		d.p = p
		d.Reset()
		out := make([]float64, len(vs))
		for i, v := range vs {
			out[i] = d.Update(int64(1_400_000_000+i*step), v)
		}
		return out
	}
	for _, c := range flagCases() {
		if m := checkFlagged(c, run(c.s.values()), thr); m != "" {
			t.Logf("%s: %s", c.name, m)
		}
	}
	for _, s := range stationaryCases {
		if n := checkStationary(run(s.values()), thr); n > 0 {
			t.Logf("stationary %v: %d", s.period, n)
		}
	}
}
