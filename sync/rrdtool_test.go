package sync

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// TestForward_RrdtoolMadeFiles forwards files made by rrdtool as
// numenta-rogue made them (5-minute step, RRA:AVERAGE:0.5:1:4032, DERIVE)
// plus a coarser archive, and compares with what rrdtool fetch reports for
// the full-resolution archive.
func TestForward_RrdtoolMadeFiles(t *testing.T) {
	rrdtool := testpeer.Need(t, "rrdtool")
	prefix := t.TempDir()
	const step = 300
	end := time.Now().Unix()/step*step - step
	n := 5000 // more than the 4032 rows: the oldest fell out
	first := end - int64(n-1)*step
	path := filepath.Join(prefix, "DiskReadBytes.rrd")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(rrdtool, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("rrdtool %s: %v\n%s", args[0], err, out)
		}
		return string(out)
	}
	run("create", path, "--step", strconv.Itoa(step), "--start", strconv.FormatInt(first-step, 10),
		"DS:DiskReadBytes:DERIVE:600:0:U", "RRA:AVERAGE:0.5:1:4032", "RRA:AVERAGE:0.5:12:1000")
	var args []string
	counter := int64(1_000_000)
	for i := range n {
		counter += int64(1000 + (i*7919)%50000)
		args = append(args, fmt.Sprintf("%d:%d", first+int64(i)*step, counter))
		if len(args) == 1000 || i == n-1 {
			run(append([]string{"update", path}, args...)...)
			args = args[:0]
		}
	}
	// What rrdtool itself reports for the full-resolution archive.
	want := map[int64]float64{}
	out := run("fetch", path, "AVERAGE", "-r", strconv.Itoa(step), "-s", strconv.FormatInt(end-4032*step, 10), "-e", strconv.FormatInt(end, 10))
	for _, line := range strings.Split(out, "\n") {
		ts, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		t64, err1 := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		f, err2 := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err1 != nil || err2 != nil || math.IsNaN(f) {
			continue
		}
		want[t64] = f
	}
	if len(want) < 4000 {
		t.Fatalf("rrdtool fetch gave %d known rows", len(want))
	}
	s := newSink(t, nil)
	f := testForwarder(t, prefix, s.addr(), []string{"DiskReadBytes"}, 10*time.Second, nil)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sinkLines(t, <-s.lines)["DiskReadBytes"]
	if len(got) != len(want) {
		t.Fatalf("forwarded %d rows, rrdtool fetch shows %d", len(got), len(want))
	}
	for ts, w := range want {
		g, ok := got[ts]
		// rrdtool prints 10 significant digits.
		if !ok || math.Abs(g-w) > 1e-9*math.Abs(w) {
			t.Fatalf("at %d: forwarded %v (present %v), rrdtool says %v", ts, g, ok, w)
		}
	}
}
