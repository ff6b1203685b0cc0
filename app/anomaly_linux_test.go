package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/rrd"
)

// TestAppMarksPlantedAnomalyOverDBus runs the real binary on a data folder
// whose stored history has memory use at a steady 99.5 %: after the
// warm-up, the machine's real memory use (far lower) is flagged, and a tray
// host reading the menu over D-Bus sees the mark, the Anomalies entry and
// the score file on disk.
func TestAppMarksPlantedAnomalyOverDBus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon and rogue")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	db := filepath.Join(env.Data, "rogue", "db")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	const rows = 1200
	now := time.Now().Truncate(time.Second)
	start := now.Add(-(rows + 2) * time.Second)
	p := filepath.Join(db, "MemoryPercent.rrd")
	err := rrd.Create(p, rrd.Definition{Step: time.Second, Start: start,
		DS:  []rrd.DS{{Name: "MemoryPercent", Type: rrd.Gauge, Heartbeat: 600 * time.Second, Min: 0, Max: 100}},
		RRA: []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 4000}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := rrd.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	samples := make([]rrd.Sample, rows)
	for i := range samples {
		samples[i] = rrd.Sample{Time: start.Add(time.Duration(i+1) * time.Second), Values: []float64{99.5 + 0.02*r.Float64()}}
	}
	if err := f.Update(samples...); err != nil {
		t.Fatal(err)
	}
	f.Close()

	proc := startRogue(t, env, nil, "--interval", "1")
	item := findTrayItem(t, bus.Conn(t), proc.Cmd.Process.Pid, 30*time.Second)
	var memory string
	testpeer.WaitFor(t, 60*time.Second, "the Memory row marked", func() (bool, error) {
		entries, err := item.layout()
		for _, e := range entries {
			if strings.Contains(e.Label, "Memory ") {
				memory = e.Label
			}
		}
		return strings.Contains(memory, "⚠"), err
	})
	if !strings.HasSuffix(memory, "⚠ 100%") && !strings.Contains(memory, "⚠ 9") {
		t.Errorf("Memory row %q: no likelihood after the mark", memory)
	}
	item.waitEntry(t, "Anomalies", 10*time.Second, "the Anomalies entry", func(e menuEntry) bool {
		return e.Label == "Anomalies: now"
	})
	if !strings.Contains(proc.out.String(), "msg=anomaly metric=Memory") {
		t.Errorf("no anomaly logged for Memory")
	}
	if _, err := os.Stat(filepath.Join(db, "anomaly", "MemoryPercent.rrd")); err != nil {
		t.Errorf("score file: %v", err)
	}
}
