package history

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

func TestPlant(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2026, 11, 25, 12, 0, 0, 0, time.Local) // a Wednesday
	at := end.Add(-3 * time.Hour)
	if err := Plant(dir, Options{End: end, Span: 48 * time.Hour, Seed: 1,
		Anomalies: []Anomaly{{Metric: "MemoryPercent", At: at, Duration: 10 * time.Minute, Score: 0.9}}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range metric.All {
		f, err := rrd.Open(filepath.Join(dir, m.Name+".rrd"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.Fetch(rrd.Average, end.Add(-48*time.Hour), end, time.Minute)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		known := 0
		for _, row := range res.Rows {
			v := row[0]
			if math.IsNaN(v) {
				continue
			}
			known++
			if v < m.Min || (!math.IsNaN(m.Max) && v > m.Max) {
				t.Errorf("%s: %g outside %g..%g", m.Name, v, m.Min, m.Max)
			}
		}
		if known < 48*60/4 {
			t.Errorf("%s: %d known values in two days", m.Name, known)
		}
		_, err = os.Stat(filepath.Join(dir, "anomaly", m.Name+".rrd"))
		if has := err == nil; has != (m.Name == "MemoryPercent") {
			t.Errorf("%s: score file present = %v", m.Name, has)
		}
	}

	// The score, read back by the real rrdtool, passes 0.5 exactly during
	// the anomaly.
	rrdtool, err := exec.LookPath("rrdtool")
	if err != nil {
		t.Skip("rrdtool is not installed")
	}
	out, err := exec.Command(rrdtool, "fetch", filepath.Join(dir, "anomaly", "MemoryPercent.rrd"), "AVERAGE",
		"-s", strconv.FormatInt(at.Unix()-600, 10), "-e", strconv.FormatInt(at.Unix()+1200, 10)).CombinedOutput()
	if err != nil {
		t.Fatalf("rrdtool fetch: %v\n%s", err, out)
	}
	high := 0
	for _, line := range strings.Split(string(out), "\n") {
		ts, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		sec, _ := strconv.ParseInt(ts, 10, 64)
		v, _ := strconv.ParseFloat(strings.TrimSpace(val), 64)
		inside := sec >= at.Unix() && sec < at.Unix()+600 // the sample at t is the row ending at t
		if (v >= 0.5) != inside {
			t.Errorf("score %g at %d (anomaly %d..%d)", v, sec, at.Unix(), at.Unix()+600)
		}
		if v >= 0.5 {
			high++
		}
	}
	if high != 10 {
		t.Errorf("%d rows above the threshold, want 10", high)
	}
}
