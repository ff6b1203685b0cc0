//go:build !linux

package agent

// diskTimeDivisor turns gopsutil's disk time counters into milliseconds:
// on macOS they are IOKit's "Total Time" statistics, in nanoseconds.
const diskTimeDivisor = 1_000_000

// listWholeDisks returns nil: every device gopsutil reports counts. On macOS
// gopsutil lists IOKit's whole-disk IOMedia objects (disk0, disk1), not
// partitions or APFS volumes, so summing them does not double count.
func listWholeDisks() (map[string]bool, error) { return nil, nil }
