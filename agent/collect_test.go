package agent

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/shirou/gopsutil/v4/cpu"
	gnet "github.com/shirou/gopsutil/v4/net"
)

func TestNetTotalsLeaveOutLoopback(t *testing.T) {
	abs, _ := filepath.Abs(filepath.Join("testdata", "net"))
	t.Setenv("HOST_PROC", abs)
	stats, err := gnet.IOCounters(true)
	if err != nil {
		t.Fatal(err)
	}
	var totals counterTotals
	got := totals.update(netTotalsInput(stats, loopbackName.MatchString), 2)
	want := []uint64{234567890 + 66600022 + 2000, 1234567890 + 555000111 + 1000}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("sent, received = %v, want %v", got, want)
	}
}

func TestCPUPercent(t *testing.T) {
	a := cpu.TimesStat{User: 100, System: 50, Idle: 800, Iowait: 50}
	tests := []struct {
		name string
		b    cpu.TimesStat
		want float64
	}{
		{"HalfBusy", cpu.TimesStat{User: 140, System: 60, Idle: 840, Iowait: 60}, 50},
		{"Idle", cpu.TimesStat{User: 100, System: 50, Idle: 900, Iowait: 50}, 0},
		{"IowaitIsIdle", cpu.TimesStat{User: 100, System: 50, Idle: 800, Iowait: 150}, 0},
		{"KeepsFractions", cpu.TimesStat{User: 101, System: 50, Idle: 802, Iowait: 50}, 100.0 / 3},
		{"NoTimePassed", a, math.NaN()},
		{"CountersWentBack", cpu.TimesStat{User: 1, Idle: 2}, math.NaN()},
		{"StealIsBusy", cpu.TimesStat{User: 100, System: 50, Idle: 810, Iowait: 50, Steal: 10}, 50},
	}
	for _, tt := range tests {
		if got := cpuPercent(a, tt.b); !near(got, tt.want) {
			t.Errorf("%s: cpuPercent = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMemoryPercent(t *testing.T) {
	for _, tt := range []struct {
		total, avail uint64
		want         float64
	}{
		{1000, 250, 75},
		{3, 2, 100.0 / 3},
		{1000, 1000, 0},
		{1000, 2000, 0},
	} {
		if got := memoryPercent(tt.total, tt.avail); !near(got, tt.want) {
			t.Errorf("memoryPercent(%d, %d) = %v, want %v", tt.total, tt.avail, got, tt.want)
		}
	}
}
