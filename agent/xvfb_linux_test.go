package agent

import (
	"os"
	"os/exec"
	"testing"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// xdotool runs xdotool against display.
func xdotool(tb testing.TB, display string, args ...string) {
	tb.Helper()
	cmd := exec.Command(testpeer.Need(tb, "xdotool"), args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}
