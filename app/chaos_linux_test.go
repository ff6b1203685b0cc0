package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// TestChaos_NoPointLost runs the app headless at a 1 s step, forwarding to
// a real carbon-cache, while at random moments carbon-cache is stopped
// with SIGTERM or SIGKILL and started again, the app is SIGKILLed and
// started again, and the data folder (a small tmpfs, when mounting is
// possible) fills up and frees. Afterwards whisper must hold every point
// the RRD files hold up to the end of the chaos, with the same value, and
// every RRD must open in rrdtool. ROGUE_CHAOS_SECONDS sets the length (default
// 20 s; bench/chaos.sh runs minutes) and ROGUE_CHAOS_SEED repeats a
// schedule.
func TestChaos_NoPointLost(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts carbon-cache and rogue for about 45 s")
	}
	testpeer.Need(t, "rrdtool")
	run := 20 * time.Second
	if s := os.Getenv("ROGUE_CHAOS_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("ROGUE_CHAOS_SECONDS=%q", s)
		}
		run = time.Duration(n) * time.Second
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ROGUE_CHAOS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ROGUE_CHAOS_SEED=%q", s)
		}
		seed = n
	}
	t.Logf("seed %d (ROGUE_CHAOS_SEED=%d repeats this schedule)", seed, seed)
	rnd := rand.New(rand.NewPCG(seed, 0))

	env := newTestEnv(t, nil)
	cb := testpeer.StartCarbon(t, "1s:1d")
	prefix := filepath.Join(env.Data, "rogue", "db")
	if err := os.MkdirAll(prefix, 0o700); err != nil {
		t.Fatal(err)
	}
	// Room for the 13 metric files and the 13 score files at a 1 s step
	// (about 10 MB each): the disk fills up when the chaos says so.
	disk := mountTmpfs(t, prefix, "400m")
	s := defaultSettings()
	s.Interval = 1
	s.Server = "http://127.0.0.1"
	s.Port = cb.Port
	s.Forwarding = true
	writeSettings(t, env, s)
	// No session bus, and none to be launched: no key, no menu.
	extra := []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(env.Runtime, "no-bus")}
	var apps []*rogueProcess
	startApp := func() { apps = append(apps, startRogue(t, env, extra, "--headless", "-v")) }
	startApp()
	from := time.Now().Unix() - 2
	testpeer.WaitFor(t, 60*time.Second, "the RRD files", func() (bool, error) {
		m, _ := filepath.Glob(filepath.Join(prefix, "*.rrd"))
		return len(m) == len(metric.All), fmt.Errorf("%d files", len(m))
	})

	events := map[string]int{}
	pause := func(lo, hi int) { time.Sleep(time.Duration(lo+rnd.IntN(hi-lo+1)) * time.Millisecond) }
	deadline := time.Now().Add(run)
	for time.Now().Before(deadline) {
		pause(300, 2500)
		switch rnd.IntN(4) {
		case 0:
			cb.Stop() // SIGTERM: carbon writes its cache out and exits
			events["carbon SIGTERM"]++
			pause(0, 3000)
			cb.Start()
		case 1:
			cb.Kill()
			events["carbon SIGKILL"]++
			pause(0, 3000)
			cb.Start()
		case 2:
			apps[len(apps)-1].Kill()
			events["rogue SIGKILL"]++
			pause(0, 2000)
			startApp()
		case 3:
			if disk == "" {
				continue
			}
			fill := fillDisk(t, disk)
			events["disk full"]++
			pause(1000, 4000)
			os.Remove(fill)
		}
	}
	until := time.Now().Unix()
	t.Logf("chaos over after %v: %v", run, events)

	// Every point the RRDs hold up to now must reach whisper: the overlap
	// confirms within seconds, then carbon writes its cache out.
	var missing, points int
	var detail string
	ok := false
	for wait := time.Now().Add(60 * time.Second); time.Now().Before(wait) && !ok; time.Sleep(time.Second) {
		missing, points, detail = compareWhisper(t, cb, prefix, from, until)
		ok = missing == 0
	}
	apps[len(apps)-1].Stop()
	sent, again := 0, 0
	re := regexp.MustCompile(`msg=forwarded .*points=(\d+) again=(\d+)`)
	for _, a := range apps {
		for _, m := range re.FindAllStringSubmatch(a.out.String(), -1) {
			n, _ := strconv.Atoi(m[1])
			d, _ := strconv.Atoi(m[2])
			sent += n
			again += d
		}
	}
	t.Logf("points in the RRD files: %d; lost (not in whisper or another value): %d; lines sent: %d, of them sent again (duplicates): %d; %d app starts",
		points, missing, sent, again, len(apps))
	if points == 0 {
		t.Fatal("the RRD files hold no points")
	}
	if !ok {
		t.Errorf("%d of %d points lost: %s", missing, points, detail)
	}
	for _, m := range metric.All {
		p := filepath.Join(prefix, m.Name+".rrd")
		if out, err := exec.Command("rrdtool", "fetch", p, "AVERAGE", "--start", strconv.FormatInt(from, 10), "--end", strconv.FormatInt(until, 10)).CombinedOutput(); err != nil {
			t.Errorf("rrdtool fetch %s: %v\n%s", m.Name, err, out)
		}
	}
}

// compareWhisper counts the known points of the RRD files in (from, until]
// and those of them whisper lacks or holds with another value.
func compareWhisper(t *testing.T, cb *testpeer.Carbon, prefix string, from, until int64) (missing, points int, detail string) {
	t.Helper()
	for _, m := range metric.All {
		f, err := rrd.Open(filepath.Join(prefix, m.Name+".rrd"))
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		r, err := f.Fetch(rrd.Average, time.Unix(from, 0), time.Unix(until, 0), time.Second)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		got, err := cb.Fetch(m.Name, from-1, until+1)
		if err != nil {
			got = nil // no whisper file yet
		}
		for i, row := range r.Rows {
			ts := r.Time(i).Unix()
			if ts <= from || ts > until || math.IsNaN(row[0]) {
				continue
			}
			points++
			if g, ok := got[ts]; !ok || g != row[0] {
				missing++
				if detail == "" {
					detail = fmt.Sprintf("first: %s at %d: RRD %v, whisper %v (present %v)", m.Name, ts, row[0], g, ok)
				}
			}
		}
	}
	return missing, points, detail
}

// mountTmpfs mounts a tmpfs of size on dir (removed at cleanup) and returns
// dir, or "" (logged) when this machine cannot mount: the disk-full part of
// a test is then left out.
func mountTmpfs(t *testing.T, dir, size string) string {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Logf("cannot mount a small disk for the data folder (%v): the disk-full part is left out", err)
		return ""
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file in dir until the file system is full and returns
// its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "zz-filler")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			break
		}
	}
	// The last pages too, in small writes.
	for _, err := f.Write(buf[:4096]); err == nil; _, err = f.Write(buf[:4096]) {
	}
	return p
}
