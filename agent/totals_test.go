package agent

import (
	"reflect"
	"testing"
)

// TestCounterTotals feeds recorded sequences of per-device counter sets.
func TestCounterTotals(t *testing.T) {
	type step struct {
		devices map[string][]uint64
		want    []uint64
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"FirstSampleIsThePlainSum", []step{
			{map[string][]uint64{"sda": {100, 7}, "sdb": {50, 3}}, []uint64{150, 10}},
			{map[string][]uint64{"sda": {110, 7}, "sdb": {55, 4}}, []uint64{165, 11}},
		}},
		{"DeviceAppearingAddsNoHistory", []step{
			{map[string][]uint64{"eth0": {1000, 10}}, []uint64{1000, 10}},
			// A USB adapter with old counters appears: no spike.
			{map[string][]uint64{"eth0": {1100, 10}, "usb0": {999999, 5000}}, []uint64{1100, 10}},
			{map[string][]uint64{"eth0": {1200, 10}, "usb0": {1000099, 5000}}, []uint64{1300, 10}},
		}},
		{"DeviceDisappearingMakesNoDrop", []step{
			{map[string][]uint64{"eth0": {1000, 10}, "tun0": {500, 50}}, []uint64{1500, 60}},
			{map[string][]uint64{"eth0": {1010, 10}}, []uint64{1510, 60}},
			{map[string][]uint64{"eth0": {1020, 11}}, []uint64{1520, 61}},
		}},
		{"CounterResetCountsWorkSinceReset", []step{
			{map[string][]uint64{"wlan0": {5000, 100}}, []uint64{5000, 100}},
			{map[string][]uint64{"wlan0": {30, 2}}, []uint64{5030, 102}},
			{map[string][]uint64{"wlan0": {40, 2}}, []uint64{5040, 102}},
		}},
		{"NoDevices", []step{
			{map[string][]uint64{}, []uint64{0, 0}},
			{map[string][]uint64{"sda": {10, 1}}, []uint64{0, 0}},
			{map[string][]uint64{"sda": {15, 2}}, []uint64{5, 1}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c counterTotals
			for i, s := range tt.steps {
				if got := c.update(s.devices, 2); !reflect.DeepEqual(got, s.want) {
					t.Errorf("step %d: totals = %v, want %v", i, got, s.want)
				}
			}
		})
	}
}
