package anomaly

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rogue-metrics/rogue/anomaly/internal/nabscore"
)

// TestNABSweep tries the parameter changes in $NAB_SWEEP, e.g.
// "rest=20,60 bins=8,12": one NAB run per value, the others at their
// defaults (or $NAB_BASE). A development tool: skipped without the
// variables.
func TestNABSweep(t *testing.T) {
	spec := os.Getenv("NAB_SWEEP")
	if spec == "" {
		t.Skip("NAB_SWEEP not set")
	}
	files := loadNAB(t)
	for _, item := range strings.Fields(spec) {
		name, vals, _ := strings.Cut(item, "=")
		for _, vs := range strings.Split(vals, ",") {
			p := baseParams(t)
			if !setParam(&p, name, vs) {
				t.Fatalf("unknown param %s", name)
			}
			sc := runNAB(files, p)
			r := nabscore.Score(files, sc, nabscore.Profiles[0])
			t.Logf("%s=%s:%s synthFail=%d", name, vs, nabLine(files, sc), synthFailures(p, r.Threshold))
		}
	}
}

// baseParams returns the defaults changed by $NAB_BASE ("name=value ...").
func baseParams(t *testing.T) params {
	p := defaultParams
	for _, kv := range strings.Fields(os.Getenv("NAB_BASE")) {
		k, v, _ := strings.Cut(kv, "=")
		if !setParam(&p, k, v) {
			t.Fatalf("unknown param %s", k)
		}
	}
	return p
}

func setParam(p *params, name, vs string) bool {
	f, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return false
	}
	i := int(f)
	switch name {
	case "warmup":
		p.warmup = min(i, warmupMax)
	case "bins":
		p.bins = i
	case "short":
		p.short = min(i, shortMax)
	case "long":
		p.long = min(i, shortMax)
	case "rateWindow":
		p.rateWindow = i
	case "todBuckets":
		p.todBuckets = i
	case "todWeight":
		p.todWeight = f
	case "weekWeight":
		p.weekWeight = f
	case "spatialBase":
		p.spatialBase = f
	case "spatialGrade":
		p.spatialGrade = f
	case "zGate":
		p.zGate = f
	case "zAlpha":
		p.zAlpha = f
	case "zDamp":
		p.zDamp = f
	case "runMin":
		p.runMin = max(i, 1)
	case "rest":
		p.rest = i
	case "restFrac":
		p.restFrac = f
	case "restMax":
		p.restMax = i
	case "restLevel":
		p.restLevel = f
	default:
		return false
	}
	return true
}
