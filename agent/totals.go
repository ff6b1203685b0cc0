package agent

// counterTotals keeps monotonic totals of counters summed over devices
// (disks, network interfaces) that come and go.
//
// The first update starts each total at the plain sum of all devices, so a
// restarted agent continues the same series (and a file the old tool wrote
// keeps its scale). After that a total only grows by each device's increase
// since the previous update: a device that appears contributes nothing until
// its second sample (its counter holds history, not this interval's work),
// one that disappears stops contributing, and one whose counter went
// backwards (reset, re-created, 32-bit wrap) contributes its new value, the
// work done since the reset. So a USB disk plugged in, a VPN interface coming
// up or going down never makes a spike or a drop in a DERIVE series.
type counterTotals struct {
	prev  map[string][]uint64
	total []uint64
}

// update takes the current counters of every device (each slice as long as
// the number of totals) and returns the totals. The returned slice is owned
// by counterTotals and valid until the next update.
func (c *counterTotals) update(devices map[string][]uint64, n int) []uint64 {
	if c.total == nil {
		c.total = make([]uint64, n)
		for _, v := range devices {
			for i := range n {
				c.total[i] += v[i]
			}
		}
	} else {
		for name, v := range devices {
			old, ok := c.prev[name]
			if !ok {
				continue
			}
			for i := range n {
				if v[i] >= old[i] {
					c.total[i] += v[i] - old[i]
				} else {
					c.total[i] += v[i]
				}
			}
		}
	}
	next := make(map[string][]uint64, len(devices))
	for name, v := range devices {
		next[name] = append([]uint64(nil), v[:n]...)
	}
	c.prev = next
	return c.total
}
