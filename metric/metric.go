package metric

import (
	"math"

	"github.com/rogue-metrics/rogue/rrd"
)

// Metric describes one series Rogue collects: its RRD name and data source
// type (as the old numenta-rogue made them) and how the menu shows it.
type Metric struct {
	Name    string     // RRD file and data source name, e.g. "CPUPercent"
	Display string     // label in the menu, e.g. "CPU"
	Unit    string     // unit of the stored value (after DERIVE: per second)
	Type    rrd.DSType // GAUGE or DERIVE
	Min     float64    // NaN: unbounded
	Max     float64    // NaN: unbounded
}

// All lists every metric in menu order. Names and types match the old
// tool so that its files can be continued and its Grok models keep working.
var All = []Metric{
	{Name: "CPUPercent", Display: "CPU", Unit: "%", Type: rrd.Gauge, Min: 0, Max: 100},
	{Name: "MemoryPercent", Display: "Memory", Unit: "%", Type: rrd.Gauge, Min: 0, Max: 100},
	{Name: "DiskReadBytes", Display: "Disk read", Unit: "bytes/s", Type: rrd.Derive, Min: 0, Max: math.NaN()},
	{Name: "DiskWriteBytes", Display: "Disk write", Unit: "bytes/s", Type: rrd.Derive, Min: 0, Max: math.NaN()},
	{Name: "DiskReadTime", Display: "Disk read time", Unit: "ms/s", Type: rrd.Derive, Min: 0, Max: math.NaN()},
	{Name: "DiskWriteTime", Display: "Disk write time", Unit: "ms/s", Type: rrd.Derive, Min: 0, Max: math.NaN()},
	{Name: "NetworkBytesSent", Display: "Network out", Unit: "bytes/s", Type: rrd.Derive, Min: 0, Max: math.NaN()},
	{Name: "NetworkBytesReceived", Display: "Network in", Unit: "bytes/s", Type: rrd.Derive, Min: 0, Max: math.NaN()},
	{Name: "KeyCount", Display: "Keys", Unit: "keys", Type: rrd.Gauge, Min: 0, Max: math.NaN()},
	{Name: "KeyDownDown", Display: "Key interval", Unit: "s", Type: rrd.Gauge, Min: 0, Max: math.NaN()},
	{Name: "KeyUpDown", Display: "Key gap", Unit: "s", Type: rrd.Gauge, Min: 0, Max: math.NaN()},
	{Name: "KeyHold", Display: "Key hold", Unit: "s", Type: rrd.Gauge, Min: 0, Max: math.NaN()},
	{Name: "KeySpeed", Display: "Typing speed", Unit: "keys/s", Type: rrd.Gauge, Min: 0, Max: math.NaN()},
}

// maxDSName is the longest data source name rrdtool accepts.
const maxDSName = 19

// DSName is the name of the metric's data source inside its RRD file: the
// metric name cut to rrdtool's 19 characters, exactly as numenta-rogue made
// it (its createParams used name[:19]), so that "NetworkBytesReceived.rrd"
// holds the data source "NetworkBytesReceive" and old files are continued.
func (m Metric) DSName() string {
	if len(m.Name) > maxDSName {
		return m.Name[:maxDSName]
	}
	return m.Name
}

// Lookup returns the metric with the given name.
func Lookup(name string) (Metric, bool) {
	for _, m := range All {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}
