package anomaly

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
)

// TestNABTune runs a coordinate search over the parameters listed in
// $NAB_TUNE ("name=v1,v2,... name2=..."), starting from $NAB_BASE, keeping
// every change that raises the standard score. Development tool only.
func TestNABTune(t *testing.T) {
	spec := os.Getenv("NAB_TUNE")
	if spec == "" {
		t.Skip("NAB_TUNE not set")
	}
	files := loadNAB(t)
	cur := baseParams(t)
	eval := func(p params) float64 {
		r := nabscore.Score(files, runNAB(files, p), nabscore.Profiles[0])
		if os.Getenv("NAB_SYNTH") != "" {
			if bad := synthFailures(p, r.Threshold); bad > 0 {
				return r.Normalized - 100*float64(bad)
			}
		}
		return r.Normalized
	}
	best := eval(cur)
	t.Logf("start %.2f", best)
	chosen := map[string]string{}
	for round := 0; round < 3; round++ {
		improved := false
		for _, item := range strings.Fields(spec) {
			name, vals, _ := strings.Cut(item, "=")
			for _, vs := range strings.Split(vals, ",") {
				p := cur
				if !setParam(&p, name, vs) {
					t.Fatalf("unknown param %s", name)
				}
				if s := eval(p); s > best+0.01 {
					best, cur, improved = s, p, true
					chosen[name] = vs
					t.Logf("round %d: %s=%s -> %.2f  %v", round, name, vs, s, chosen)
				}
			}
		}
		if !improved {
			break
		}
	}
	var out []string
	for k, v := range chosen {
		out = append(out, k+"="+v)
	}
	t.Logf("best %.2f with %s", best, strings.Join(out, " "))
}

// statMax is how many flags a stationary case may have during tuning.
var statMax, _ = strconv.Atoi(os.Getenv("NAB_STATMAX"))

// synthFailures counts the synthetic cases that p fails at threshold thr.
func synthFailures(p params, thr float64) int {
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
	bad := 0
	for _, c := range flagCases() {
		if checkFlagged(c, run(c.s.values()), thr) != "" {
			bad++
		}
	}
	for _, s := range stationaryCases {
		if checkStationary(run(s.values()), thr) > statMax {
			bad++
		}
	}
	return bad
}
