//go:build darwin

package agent

import (
	"context"
	"net"
	"testing"

	gnet "github.com/shirou/gopsutil/v4/net"
)

// TestIfList2MatchesNetInterfaces checks the parser against the live kernel:
// every interface the net package lists (which reads NET_RT_IFLIST) is in
// the NET_RT_IFLIST2 list under the same index, name and loopback flag.
func TestIfList2MatchesNetInterfaces(t *testing.T) {
	b, err := fetchIfList2()
	if err != nil {
		t.Fatal(err)
	}
	ifs, err := parseIfList2(b)
	if err != nil {
		t.Fatal(err)
	}
	byIndex := make(map[int]ifStats, len(ifs))
	for _, s := range ifs {
		byIndex[int(s.Index)] = s
	}
	want, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		s, ok := byIndex[w.Index]
		if !ok {
			t.Errorf("%s (index %d) missing from NET_RT_IFLIST2", w.Name, w.Index)
			continue
		}
		if s.Name != w.Name || s.loopback() != (w.Flags&net.FlagLoopback != 0) {
			t.Errorf("index %d: parsed %q loopback %v, net.Interfaces says %q flags %v", w.Index, s.Name, s.loopback(), w.Name, w.Flags)
		}
	}
	var lo bool
	for _, s := range ifs {
		lo = lo || s.loopback() && s.RecvBytes > 0
	}
	if !lo {
		t.Errorf("no loopback interface with received bytes in %+v", ifs)
	}
}

// TestNetReaderCountsNeverGoBack reads the counters twice: no loopback
// interface is among them and none went back.
func TestNetReaderCountsNeverGoBack(t *testing.T) {
	read := newNetReader()
	a, err := read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range a {
		if ifi, err := net.InterfaceByName(name); err == nil && ifi.Flags&net.FlagLoopback != 0 {
			t.Errorf("loopback interface %s counted", name)
		}
		if w, ok := b[name]; ok && (w[0] < v[0] || w[1] < v[1]) {
			t.Errorf("%s went from %v to %v", name, v, w)
		}
	}
}

// BenchmarkNetCounters compares one read of the interface counters by the
// sysctl with gopsutil's, which runs netstat -ibdnW: it exists to show what
// the network collector saves on every tick.
func BenchmarkNetCounters(b *testing.B) {
	ctx := context.Background()
	b.Run("sysctl", func(b *testing.B) {
		read := newNetReader()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := read(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gopsutil", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gnet.IOCountersWithContext(ctx, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
