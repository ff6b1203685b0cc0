package sync

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/metric"
)

// TestExportFolder_AnomalyScores: the score files the agent writes are
// exported beside their metrics, and the forwarder's walk never sends them.
func TestExportFolder_AnomalyScores(t *testing.T) {
	if ScoreDir != agent.ScoreDir {
		t.Fatalf("sync.ScoreDir %q, agent.ScoreDir %q: the export would miss the scores", ScoreDir, agent.ScoreDir)
	}
	prefix := t.TempDir()
	const step, first = 60, 1_700_000_040
	cpu := makeRRD(t, prefix, "CPUPercent", step, first, 100)
	cpu.add(t, 10, 12, 95, 11)
	if err := os.MkdirAll(filepath.Join(prefix, ScoreDir), 0o700); err != nil {
		t.Fatal(err)
	}
	score := makeRRD(t, filepath.Join(prefix, ScoreDir), "CPUPercent", step, first, 100)
	score.add(t, 0.1, 0.2, 0.999, 0.5)
	if p := agent.ScorePath(prefix, "CPUPercent"); p != score.path {
		t.Fatalf("score file %s, agent writes %s", score.path, p)
	}

	out := t.TempDir()
	sum, err := ExportFolder(context.Background(), prefix, out, time.Unix(first-step, 0), time.Unix(cpu.last(), 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Files) != 2 || filepath.Base(sum.Files[1]) != "CPUPercent.anomaly.csv" {
		t.Errorf("files %v", sum.Files)
	}
	for _, m := range sum.Missing {
		if strings.Contains(m, ScoreSuffix) {
			t.Errorf("a missing score file is reported missing: %v", sum.Missing)
		}
	}
	if len(sum.Missing) != len(metric.All)-1 {
		t.Errorf("missing %v", sum.Missing)
	}
	b, err := os.ReadFile(filepath.Join(out, CombinedName))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(rows[0], ","); h != "timestamp,iso8601,CPUPercent,CPUPercent.anomaly" {
		t.Errorf("header %s", h)
	}
	if r := rows[3]; r[0] != strconv.Itoa(first+2*step) || r[2] != "95" || r[3] != "0.999" {
		t.Errorf("row of the spike %v", r)
	}
}
