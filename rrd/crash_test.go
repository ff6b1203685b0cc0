package rrd

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a child that updates files
// in a tight loop, kills it with SIGKILL at random moments, and checks that
// every file still opens and reads in Rogue and in rrdtool and that the
// last update time never goes backwards.

const crashChildEnv = "RRD_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if p := os.Getenv(lockChildEnv); p != "" {
		lockChild(p)
		return
	}
	os.Exit(m.Run())
}

// crashChild updates the files in dir forever (until killed).
func crashChild(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, "*.rrd"))
	var files []*File
	for _, n := range names {
		f, err := Open(n)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		files = append(files, f)
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	fmt.Println("ready")
	for {
		for _, f := range files {
			lu, err := f.LastUpdate()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
			def := f.Definition()
			n := 1 + rng.IntN(40)
			samples := make([]Sample, n)
			t := lu
			for i := range samples {
				t = t.Add(time.Duration(1+rng.IntN(90)) * time.Second / 2)
				vals := make([]float64, len(def.DS))
				for j := range vals {
					vals[j] = float64(t.Unix() % 1000)
				}
				samples[i] = Sample{Time: t, Values: vals}
			}
			if err := f.Update(samples...); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(5)
			}
		}
	}
}

func TestCrashSafety(t *testing.T) {
	needRRDTool(t)
	kills := 300
	if testing.Short() {
		kills = 30
	}
	dir := t.TempDir()
	start := time.Unix(1700000000, 0)
	defs := []Definition{
		{Step: 60 * time.Second, Start: start, DS: []DS{{Name: "CPUPercent", Type: Gauge, Heartbeat: 600 * time.Second, Min: 0, Max: nan()}},
			RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: 4032}}},
		{Step: 10 * time.Second, Start: start, DS: []DS{{Name: "DiskReadBytes", Type: Derive, Heartbeat: 600 * time.Second, Min: 0, Max: nan()}},
			RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: 50}, {CF: Max, XFF: 0.5, Steps: 6, Rows: 20}}},
		testDef(start),
	}
	var paths []string
	for i, d := range defs {
		p := filepath.Join(dir, fmt.Sprintf("f%d.rrd", i))
		if err := Create(p, d); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lastSeen := make([]time.Time, len(paths))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for k := 0; k < kills; k++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child did not start: %q %v", line, err)
		}
		time.Sleep(time.Duration(rng.IntN(20000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child ended by itself: %v", err)
		}
		for i, p := range paths {
			f, err := Open(p)
			if err != nil {
				t.Fatalf("kill %d: Open %s: %v", k, p, err)
			}
			lu, err := f.LastUpdate()
			if err != nil {
				t.Fatal(err)
			}
			if lu.Before(lastSeen[i]) {
				t.Fatalf("kill %d: %s last update went back from %v to %v", k, p, lastSeen[i], lu)
			}
			lastSeen[i] = lu
			if _, err := f.Info(); err != nil {
				t.Fatalf("kill %d: Info %s: %v", k, p, err)
			}
			if _, err := f.Fetch(Average, lu.Add(-time.Hour), lu, 0); err != nil {
				t.Fatalf("kill %d: Fetch %s: %v", k, p, err)
			}
			f.Close()
		}
		// rrdtool reads every file too (one batch-mode process per kill).
		var cmds strings.Builder
		for i, p := range paths {
			lus := strconv.FormatInt(lastSeen[i].Unix(), 10)
			fmt.Fprintf(&cmds, "info %s\nfetch %s AVERAGE -s %s-3600 -e %s\n", p, p, lus, lus)
		}
		cmd = exec.Command("rrdtool", "-")
		cmd.Stdin = strings.NewReader(cmds.String())
		outb, err := cmd.CombinedOutput()
		if err != nil || strings.Count(string(outb), "\nOK ")+boolInt(strings.HasPrefix(string(outb), "OK ")) != 2*len(paths) {
			t.Fatalf("kill %d: rrdtool cannot read the files: %v\n%s", k, err, outb)
		}
	}
	t.Logf("%d kills; last updates %v", kills, lastSeen)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
