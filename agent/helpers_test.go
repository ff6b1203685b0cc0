package agent

import (
	"os"
	"os/exec"
	"testing"

	"github.com/rogue-metrics/rogue/rrd"
)

// execCommand runs a program and returns its combined output.
func execCommand(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}

// rrdInfo opens path and returns its info.
func rrdInfo(path string) (*rrd.Info, error) {
	f, err := rrd.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Info()
}

// needTool returns the path of an external program a test needs; without
// it the test is skipped, or fails under CI (CI=true), where it must exist.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is required under CI: %v", name, err)
		}
		tb.Skipf("%s not installed: %v", name, err)
	}
	return p
}
