package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetect checks that rogue detect is registered and reaches detectcli
// (whose own tests cover the command).
func TestDetect(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(csv, []byte("timestamp,value\n1700000000,1\n1700000060,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "detect", csv)
	if code != 0 || out != "timestamp,value,anomaly_score\n1700000000,1,0\n1700000060,2,0\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs := runCmd(t, "help", "detect"); code != 0 || !strings.Contains(errs, "rogue detect --rrd FILE.rrd") {
		t.Errorf("help detect: exit %d, %q", code, errs)
	}
	if code, out, _ := runCmd(t, "help"); code != 0 || !strings.Contains(out, "detect") {
		t.Errorf("help does not list detect: %q", out)
	}
}
