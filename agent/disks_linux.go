package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// procDiskstats is the kernel's table of block device counters.
const procDiskstats = "/proc/diskstats"

// sectorSize is the unit of /proc/diskstats' sector counts, whatever the
// device's own sector size (Documentation/admin-guide/iostats.rst).
const sectorSize = 512

// readDiskCounters reads /proc/diskstats directly: one read of one file per
// call. (gopsutil's IOCounters also looks up every disk's serial number and
// label in udev and sysfs on each call, a dozen more files per disk per
// tick, for fields Rogue does not use.)
func readDiskCounters(_ context.Context, whole map[string]bool) (map[string][]uint64, error) {
	data, err := os.ReadFile(procDiskstats)
	if err != nil {
		return nil, fmt.Errorf("disk counters: %w", err)
	}
	return parseDiskstats(data, whole), nil
}

// parseDiskstats turns /proc/diskstats into counterTotals input: for each
// device (each whole disk when whole is not nil) bytes read, bytes written,
// milliseconds reading and milliseconds writing. Malformed lines are
// skipped.
func parseDiskstats(data []byte, whole map[string]bool) map[string][]uint64 {
	devs := map[string][]uint64{}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) < 11 {
			continue
		}
		name := f[2]
		if whole != nil && !whole[name] {
			continue
		}
		var v [4]uint64
		ok := true
		for i, col := range []int{5, 9, 6, 10} { // sectors read, written; ms reading, writing
			n, err := strconv.ParseUint(f[col], 10, 64)
			if err != nil {
				ok = false
				break
			}
			v[i] = n
		}
		if !ok {
			continue
		}
		devs[name] = []uint64{v[0] * sectorSize, v[1] * sectorSize, v[2], v[3]}
	}
	return devs
}
