package agent

import (
	"os/exec"

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
