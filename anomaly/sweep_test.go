package anomaly

import (
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
			t.Logf("%s=%s:%s", name, vs, nabLine(files, runNAB(files, p)))
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
	default:
		return false
	}
	return true
}
