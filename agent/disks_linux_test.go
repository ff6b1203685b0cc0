package agent

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/disk"
)

// readSysblockFixture reads a recorded listing of /sys/block: one
// "name link-target" line per device.
func readSysblockFixture(tb testing.TB, path string) []blockDevice {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var devs []blockDevice
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, target, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if name != "" {
			devs = append(devs, blockDevice{Name: name, Target: target})
		}
	}
	return devs
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestDiskTotalsFromRecordedCounters runs the whole-disk rule and gopsutil's
// parser on recorded /proc/diskstats and /sys/block listings of machines
// whose partitions, loop, RAM, zram, device-mapper, md and NVMe multipath
// devices would double count.
func TestDiskTotalsFromRecordedCounters(t *testing.T) {
	tests := []struct {
		dir   string
		disks []string
		want  []uint64 // read bytes, write bytes, read ms, write ms
	}{
		{"vm", []string{"vda"}, []uint64{1726448640, 1646903296, 31875, 19386}},
		{"laptop-lvm", []string{"nvme0n1", "sda"}, []uint64{99765432 * 512, 87859120 * 512, 304234, 912845}},
		{"raid", []string{"sda", "sdb"}, []uint64{7000000 * 512, 12000000 * 512, 35000, 81000}},
		{"nvme-multipath", []string{"nvme0n1"}, []uint64{24000000 * 512, 16000000 * 512, 90000, 120000}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "disks", tt.dir)
			whole := wholeDisks(readSysblockFixture(t, filepath.Join(dir, "sysblock")))
			if got := sortedKeys(whole); !reflect.DeepEqual(got, tt.disks) {
				t.Fatalf("whole disks = %v, want %v", got, tt.disks)
			}
			abs, _ := filepath.Abs(dir)
			t.Setenv("HOST_PROC", abs)
			t.Setenv("HOST_DEV", t.TempDir())
			t.Setenv("HOST_RUN", t.TempDir())
			stats, err := disk.IOCountersWithContext(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var totals counterTotals
			got := totals.update(diskTotalsInput(stats, whole), diskFields)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("totals = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadBlockDevicesFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	for name, target := range map[string]string{
		"vda":   "../devices/pci0000:00/0000:00:02.0/virtio1/block/vda",
		"loop0": "../devices/virtual/block/loop0",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	devs, err := readBlockDevices(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := sortedKeys(wholeDisks(devs)); !reflect.DeepEqual(got, []string{"vda"}) {
		t.Errorf("whole disks = %v, want [vda] (from %v)", got, devs)
	}
	if _, err := readBlockDevices(filepath.Join(dir, "missing")); err == nil {
		t.Error("readBlockDevices of a missing folder gave no error")
	}
}

func TestParseDiskstats(t *testing.T) {
	const data = `   8       0 sda 1000 10 2048 300 500 5 4096 700 0 900 1000 0 0 0 0
   8       1 sda1 900 10 1024 200 400 5 2048 600 0 800 900 0 0 0 0
 259       0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11
   7       0 loop0 garbage
`
	got := parseDiskstats([]byte(data), map[string]bool{"sda": true, "nvme0n1": true})
	want := map[string][]uint64{
		"sda":     {2048 * 512, 4096 * 512, 300, 700},
		"nvme0n1": {3 * 512, 7 * 512, 4, 8},
	}
	if len(got) != len(want) {
		t.Fatalf("parseDiskstats = %v, want %v", got, want)
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s = %v, want %v", name, got[name], w)
		}
	}
}

// TestDiskCountersAgreeWithGopsutil reads this machine's counters both ways:
// ours lie between two gopsutil readings taken around them.
func TestDiskCountersAgreeWithGopsutil(t *testing.T) {
	whole, err := listWholeDisks()
	if err != nil || len(whole) == 0 {
		t.Skipf("no whole disks here: %v", err)
	}
	ctx := context.Background()
	before, err := gopsutilDiskCounters(ctx, whole)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := readDiskCounters(ctx, whole)
	if err != nil {
		t.Fatal(err)
	}
	after, err := gopsutilDiskCounters(ctx, whole)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range ours {
		b, a := before[name], after[name]
		if b == nil || a == nil {
			continue // all-zero devices are left out by gopsutil
		}
		for i := range v {
			if v[i] < b[i] || v[i] > a[i] {
				t.Errorf("%s field %d = %d, not between gopsutil's %d and %d", name, i, v[i], b[i], a[i])
			}
		}
	}
}
