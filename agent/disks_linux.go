package agent

import (
	"fmt"
	"os"
	"path/filepath"
)

// diskTimeDivisor turns gopsutil's disk time counters into milliseconds:
// Linux's /proc/diskstats counts milliseconds already.
const diskTimeDivisor = 1

// sysBlock is where Linux lists whole block devices.
const sysBlock = "/sys/block"

// listWholeDisks returns the names of the whole physical disks (see
// wholeDisks).
func listWholeDisks() (map[string]bool, error) {
	devs, err := readBlockDevices(sysBlock)
	if err != nil {
		return nil, err
	}
	return wholeDisks(devs), nil
}

// readBlockDevices lists dir (normally /sys/block) with link targets.
func readBlockDevices(dir string) ([]blockDevice, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list block devices: %w", err)
	}
	devs := make([]blockDevice, 0, len(entries))
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			// A plain directory (old kernels without links): keep the
			// name, decided by name rules alone.
			target = ""
		}
		devs = append(devs, blockDevice{Name: e.Name(), Target: target})
	}
	return devs, nil
}
