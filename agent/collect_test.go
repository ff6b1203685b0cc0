package agent

import (
	"math"
	"testing"

	"github.com/shirou/gopsutil/v4/cpu"
)

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
