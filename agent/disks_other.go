//go:build !linux

package agent

import "context"

// diskTimeDivisor turns gopsutil's disk time counters into milliseconds:
// on macOS they are IOKit's "Total Time" statistics, in nanoseconds.
const diskTimeDivisor = 1_000_000

// listWholeDisks returns nil: every device gopsutil reports counts. On macOS
// gopsutil lists IOKit's whole-disk IOMedia objects (disk0, disk1), not
// partitions or APFS volumes, so summing them does not double count.
func listWholeDisks() (map[string]bool, error) { return nil, nil }

// readDiskCounters reads the disk counters through gopsutil (IOKit).
func readDiskCounters(ctx context.Context, whole map[string]bool) (map[string][]uint64, error) {
	return gopsutilDiskCounters(ctx, whole)
}
