package anomaly

import (
	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestNABSweep tries the parameter changes in $NAB_SWEEP, e.g.
// "rest=50,100 bins=8,32": one NAB run per value, others at default.
func TestNABSweep(t *testing.T) {
	spec := os.Getenv("NAB_SWEEP")
	if spec == "" {
		t.Skip("NAB_SWEEP not set")
	}
	files := loadNAB(t)
	for _, item := range strings.Fields(spec) {
		name, vals, _ := strings.Cut(item, "=")
		for _, vs := range strings.Split(vals, ",") {
			p := defaultParams
			for _, kv := range strings.Fields(os.Getenv("NAB_BASE")) {
				k, v, _ := strings.Cut(kv, "=")
				if !setParam(&p, k, v) {
					t.Fatalf("unknown param %s", k)
				}
			}
			for _, kv := range strings.Split(name, "+") { // a+b=1 sets both
				if !setParam(&p, kv, vs) {
					t.Fatalf("unknown param %s", kv)
				}
			}
			sc := runNAB(files, p)
			r := nabscore.Score(files, sc, nabscore.Profiles[0])
			t.Logf("%s=%s:%s synthFail=%d", name, vs, nabLine(files, sc), synthFailures(p, r.Threshold))
		}
	}
}

func setParam(p *params, name, vs string) bool {
	f, _ := strconv.ParseFloat(vs, 64)
	i := int(f)
	switch name {
	case "warmup":
		p.warmup = i
	case "bins":
		p.bins = i
	case "orders":
		p.orders = i
	case "short":
		p.short = i
	case "hist":
		p.hist = i
	case "minStd":
		p.minStd = f
	case "spatialTol":
		p.spatialTol = f
	case "rest":
		p.rest = i
	case "restLevel":
		p.restLevel = f
	case "restDamp":
		p.restDamp = f
	case "spatialGrade":
		p.spatialGrade = f
	case "spatialBase":
		p.spatialBase = f
	case "rawOut":
		p.rawOut = i != 0
	case "tod":
		p.tod = i
	case "todWeight":
		p.todWeight = f
	case "pois":
		p.pois = i != 0
	case "minRate":
		p.minRate = f
	case "diff":
		p.diff = i != 0
	case "diffScale":
		p.diffScale = f
	case "diffWeight":
		p.diffWeight = f
	case "combine":
		p.combine = i != 0
	case "ev":
		p.ev = i != 0
	case "evMinBeta":
		p.evMinBeta = f
	case "evWeight":
		p.evWeight = f
	case "evMin":
		p.evMin = i != 0
	case "evN":
		p.evN = f
	case "disp":
		p.disp = i != 0
	case "zGate":
		p.zGate = f
	case "zDamp":
		p.zDamp = f
	case "zAlpha":
		p.zAlpha = f
	default:
		return false
	}
	return true
}
