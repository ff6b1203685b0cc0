package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	gnet "github.com/shirou/gopsutil/v4/net"
	"golang.org/x/sys/unix"
)

// collectOnce runs collector c and returns its readings.
func collectOnce(tb testing.TB, c *collector) []reading {
	tb.Helper()
	out := make([]reading, len(c.metrics))
	if err := c.collect(context.Background(), out); err != nil {
		tb.Fatalf("%s: %v", c.name, err)
	}
	return out
}

func TestCPURisesUnderBusyLoop(t *testing.T) {
	c := newCPUCollector()
	if err := c.collect(context.Background(), make([]reading, 1)); err != errPriming {
		t.Fatalf("first call = %v, want errPriming", err)
	}
	time.Sleep(200 * time.Millisecond)
	idle := collectOnce(t, c)[0]

	var wg sync.WaitGroup
	stop := time.Now().Add(600 * time.Millisecond)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for n := 0; time.Now().Before(stop); n++ {
			}
		})
	}
	wg.Wait()
	busy := collectOnce(t, c)[0]
	t.Logf("CPU idle %.1f%%, busy %.1f%%", idle.Gauge, busy.Gauge)
	for _, r := range []reading{idle, busy} {
		if !r.Known || r.Gauge < 0 || r.Gauge > 100 {
			t.Errorf("CPU reading %+v out of 0..100", r)
		}
	}
	// Half of the CPU this process may use: all of it on a plain machine,
	// less in a container whose CPU quota Go's GOMAXPROCS follows while
	// /proc/stat counts every CPU of the host.
	// The "idle" reading is not compared: when other processes (such as
	// the other test packages go test runs in parallel) already keep every
	// CPU busy, it reads 100% and the busy loop cannot raise it further.
	floor := 50 * min(1, float64(runtime.GOMAXPROCS(0))/float64(runtime.NumCPU()))
	if busy.Gauge < floor {
		t.Errorf("CPU under a busy loop = %.1f%% (idle before: %.1f%%), want ≥ %.1f%%", busy.Gauge, idle.Gauge, floor)
	}
}

func TestMemoryIsAPercentage(t *testing.T) {
	r := collectOnce(t, defaultCollectors()[1])[0]
	if !r.Known || !(r.Gauge > 0 && r.Gauge < 100) {
		t.Errorf("MemoryPercent = %+v, want in (0, 100)", r)
	}
}

func TestNetworkCountersNeverGoBack(t *testing.T) {
	c := newNetCollector()
	a := collectOnce(t, c)
	b := collectOnce(t, c)
	for i := range a {
		if b[i].Counter < a[i].Counter {
			t.Errorf("%s went from %d to %d", c.metrics[i], a[i].Counter, b[i].Counter)
		}
	}
}

// diskOf returns the whole disk holding dir, from /sys/dev/block, or why
// it cannot tell (tmpfs, overlay, device-mapper).
func diskOf(dir string) (string, error) {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return "", err
	}
	major, minor := unix.Major(st.Dev), unix.Minor(st.Dev)
	link, err := filepath.EvalSymlinks(fmt.Sprintf("/sys/dev/block/%d:%d", major, minor))
	if err != nil {
		return "", fmt.Errorf("%s is on device %d:%d, not a block device (tmpfs or overlay?)", dir, major, minor)
	}
	if _, err := os.Stat(filepath.Join(link, "partition")); err == nil {
		link = filepath.Dir(link) // a partition: its parent is the disk
	}
	name := filepath.Base(link)
	whole, err := listWholeDisks()
	if err != nil {
		return "", err
	}
	if !whole[name] {
		return "", fmt.Errorf("%s is on %s, which is not counted as a whole disk (device-mapper, md?)", dir, name)
	}
	return name, nil
}

func TestDiskWriteBytesRiseAfterFsync(t *testing.T) {
	// A folder on a real disk: the test's temp folder, else one next to the
	// package (on CI machines /tmp may be tmpfs while the checkout is on
	// the VM's disk).
	var dir, disk string
	var reasons []string
	cands := []func() (string, error){
		func() (string, error) { return t.TempDir(), nil },
		func() (string, error) {
			d, err := os.MkdirTemp(".", ".disktest-")
			if err == nil {
				t.Cleanup(func() { os.RemoveAll(d) })
			}
			return d, err
		},
	}
	for _, mk := range cands {
		d, err := mk()
		if err == nil {
			var name string
			if name, err = diskOf(d); err == nil {
				dir, disk = d, name
				break
			}
		}
		reasons = append(reasons, err.Error())
	}
	if dir == "" {
		t.Skipf("no folder on a whole disk to write to: %v", reasons)
	}
	c := newDiskCollector()
	before := collectOnce(t, c)

	const size = 8 << 20
	f, err := os.Create(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for range size / len(buf) {
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	after := collectOnce(t, c)
	grew := after[diskWriteBytes].Counter - before[diskWriteBytes].Counter
	t.Logf("wrote %d bytes to %s on %s; DiskWriteBytes grew by %d", size, dir, disk, grew)
	if after[diskWriteBytes].Counter < before[diskWriteBytes].Counter+size {
		t.Errorf("DiskWriteBytes grew by %d after writing and fsyncing %d bytes", grew, size)
	}
	for i := range before {
		if after[i].Counter < before[i].Counter {
			t.Errorf("%s went back from %d to %d", c.metrics[i], before[i].Counter, after[i].Counter)
		}
	}
}

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

func TestLoopbackFromInterfaceFlags(t *testing.T) {
	c := loopbackCache{}
	if !c.is("lo") {
		t.Error(`"lo" is not taken for a loopback interface`)
	}
	if c.is("no-such-interface0") {
		t.Error("an unknown interface named unlike loopback is taken for one")
	}
}
