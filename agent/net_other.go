//go:build !darwin

package agent

import (
	"context"
	"net"
	"regexp"

	gnet "github.com/shirou/gopsutil/v4/net"
)

// newNetReader reads the interface counters through gopsutil (on Linux,
// one read of /proc/net/dev), telling loopback interfaces by their flags.
func newNetReader() netReader {
	loop := loopbackCache{}
	return func(ctx context.Context) (map[string][]uint64, error) {
		stats, err := gnet.IOCountersWithContext(ctx, true)
		if err != nil {
			return nil, err
		}
		return netTotalsInput(stats, loop.is), nil
	}
}

// netTotalsInput turns gopsutil's per-interface counters into counterTotals
// input (sent, received), leaving out loopback interfaces.
func netTotalsInput(stats []gnet.IOCountersStat, isLoopback func(string) bool) map[string][]uint64 {
	devs := make(map[string][]uint64, len(stats))
	for _, s := range stats {
		if isLoopback(s.Name) {
			continue
		}
		devs[s.Name] = []uint64{s.BytesSent, s.BytesRecv}
	}
	return devs
}

// loopbackName matches the loopback interface names of Linux (lo) and the
// BSDs (lo0), used when the interface's flags cannot be read.
var loopbackName = regexp.MustCompile(`^lo[0-9]*$`)

// loopbackCache answers whether an interface is a loopback interface, from
// its flags, looked up once per name.
type loopbackCache map[string]bool

func (c loopbackCache) is(name string) bool {
	if v, ok := c[name]; ok {
		return v
	}
	v := loopbackName.MatchString(name)
	if ifi, err := net.InterfaceByName(name); err == nil {
		v = ifi.Flags&net.FlagLoopback != 0
	}
	c[name] = v
	return v
}
