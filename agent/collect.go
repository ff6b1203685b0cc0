package agent

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/mem"
)

// reading is one metric's value from one tick. A GAUGE metric has a Gauge
// value (NaN: unknown); a DERIVE metric has a raw Counter, which the RRD
// turns into a rate.
type reading struct {
	Known   bool
	Gauge   float64
	Counter uint64
}

// gauge returns a reading of a GAUGE value; NaN is unknown.
func gauge(v float64) reading { return reading{Known: !math.IsNaN(v), Gauge: v} }

// counter returns a reading of a DERIVE counter.
func counter(v uint64) reading { return reading{Known: true, Counter: v} }

// errPriming is returned by a collector whose first sample only primes it
// (CPU utilisation needs two samples); it is not logged as a failure.
var errPriming = errors.New("first sample primes the collector")

// collector samples some metrics. Like node_exporter's collectors, the
// interface is one call; each collector keeps whatever state it needs
// between calls (previous counters). A collector is never called again
// before its previous call returned.
type collector struct {
	name    string   // for logs: "cpu", "memory", "disk", "network"
	metrics []string // metric names it fills, in the order of out
	collect func(ctx context.Context, out []reading) error

	index []int       // metrics as indexes into metric.All, filled by New
	busy  atomic.Bool // a call is in flight (possibly past its deadline)
}

// defaultCollectors returns the collectors of the eight system metrics.
func defaultCollectors() []*collector {
	return []*collector{
		newCPUCollector(),
		{name: "memory", metrics: []string{"MemoryPercent"}, collect: collectMemory},
		newDiskCollector(),
		newNetCollector(),
	}
}

// newCPUCollector samples total CPU utilisation since its previous call:
// busy time over all time, where idle and iowait are idle and guest time
// is already part of user time (as psutil.cpu_percent, which the old tool
// used).
func newCPUCollector() *collector {
	var prev *cpu.TimesStat
	return &collector{
		name:    "cpu",
		metrics: []string{"CPUPercent"},
		collect: func(ctx context.Context, out []reading) error {
			ts, err := cpu.TimesWithContext(ctx, false)
			if err != nil {
				return fmt.Errorf("cpu times: %w", err)
			}
			if len(ts) == 0 {
				return errors.New("cpu times: none reported")
			}
			cur := ts[0]
			last := prev
			prev = &cur
			if last == nil {
				return errPriming
			}
			out[0] = gauge(cpuPercent(*last, cur))
			return nil
		},
	}
}

// cpuPercent returns the utilisation between two samples, 0..100, or NaN
// when no time passed or the counters went backwards.
func cpuPercent(a, b cpu.TimesStat) float64 {
	idle := func(t cpu.TimesStat) float64 { return t.Idle + t.Iowait }
	total := func(t cpu.TimesStat) float64 {
		return t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
	}
	dt := total(b) - total(a)
	if !(dt > 0) {
		return math.NaN()
	}
	busy := dt - (idle(b) - idle(a))
	return math.Min(100, math.Max(0, busy/dt*100))
}

// collectMemory samples (total - available) / total * 100, as the old tool.
func collectMemory(ctx context.Context, out []reading) error {
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	if vm.Total == 0 {
		return errors.New("memory: total is 0")
	}
	out[0] = gauge(memoryPercent(vm.Total, vm.Available))
	return nil
}

// memoryPercent returns the used share of memory in percent.
func memoryPercent(total, available uint64) float64 {
	if available > total {
		return 0
	}
	return float64(total-available) / float64(total) * 100
}

// Disk counter fields, in the order of the disk collector's metrics.
const (
	diskReadBytes = iota
	diskWriteBytes
	diskReadTime
	diskWriteTime
	diskFields
)

// wholeDiskRefresh is how often the list of whole disks is read again
// (disks are rarely plugged in; reading /sys/block every tick would cost
// a dozen system calls each time).
const wholeDiskRefresh = time.Minute

// newDiskCollector samples the disk counters summed over whole disks.
func newDiskCollector() *collector {
	var (
		totals counterTotals
		whole  map[string]bool
		listed time.Time
	)
	return &collector{
		name:    "disk",
		metrics: []string{"DiskReadBytes", "DiskWriteBytes", "DiskReadTime", "DiskWriteTime"},
		collect: func(ctx context.Context, out []reading) error {
			if now := time.Now(); listed.IsZero() || now.Sub(listed) >= wholeDiskRefresh || now.Before(listed) {
				w, err := listWholeDisks()
				if err != nil {
					return fmt.Errorf("disk: %w", err)
				}
				whole, listed = w, now
			}
			devs, err := diskCounters(ctx, whole)
			if err != nil {
				return err
			}
			for i, v := range totals.update(devs, diskFields) {
				out[i] = counter(v)
			}
			return nil
		},
	}
}

// diskCounters returns the counters of each whole disk (of every disk when
// whole is nil).
func diskCounters(ctx context.Context, whole map[string]bool) (map[string][]uint64, error) {
	if whole != nil && len(whole) == 0 {
		return map[string][]uint64{}, nil
	}
	return readDiskCounters(ctx, whole)
}

// gopsutilDiskCounters reads the disk counters through gopsutil.
func gopsutilDiskCounters(ctx context.Context, whole map[string]bool) (map[string][]uint64, error) {
	var names []string
	if whole != nil {
		names = make([]string, 0, len(whole))
		for n := range whole {
			names = append(names, n)
		}
	}
	stats, err := disk.IOCountersWithContext(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("disk counters: %w", err)
	}
	return diskTotalsInput(stats, whole), nil
}

// diskTotalsInput turns gopsutil's counters into counterTotals input, keeping
// the whole disks only (all devices when whole is nil).
func diskTotalsInput(stats map[string]disk.IOCountersStat, whole map[string]bool) map[string][]uint64 {
	devs := make(map[string][]uint64, len(stats))
	for name, s := range stats {
		if whole != nil && !whole[name] {
			continue
		}
		devs[name] = []uint64{s.ReadBytes, s.WriteBytes, s.ReadTime / diskTimeDivisor, s.WriteTime / diskTimeDivisor}
	}
	return devs
}

// newNetCollector samples bytes sent and received summed over every network
// interface except loopback.
func newNetCollector() *collector {
	var totals counterTotals
	read := newNetReader()
	return &collector{
		name:    "network",
		metrics: []string{"NetworkBytesSent", "NetworkBytesReceived"},
		collect: func(ctx context.Context, out []reading) error {
			devs, err := read(ctx)
			if err != nil {
				return fmt.Errorf("network counters: %w", err)
			}
			for i, v := range totals.update(devs, 2) {
				out[i] = counter(v)
			}
			return nil
		},
	}
}

// netReader returns the byte counters of every network interface but
// loopback, as counterTotals input: name → {sent, received}. Each OS file
// supplies newNetReader; a reader is called by one goroutine at a time and
// may keep state between calls.
type netReader func(ctx context.Context) (map[string][]uint64, error)
