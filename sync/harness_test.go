package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// needTool returns the path of an external program the test drives; without
// it the test is skipped, or fails under CI (where scripts/test.sh installs
// it).
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (CI must install it)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// testLogger returns a logger writing to buf (nil: discarded).
func testLogger(buf *bytes.Buffer) *slog.Logger {
	if buf == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testRRD is an RRD made for a test, with the values it holds.
type testRRD struct {
	path string
	name string
	step int64
	next int64             // time of the next row to append
	vals map[int64]float64 // known values by row time
	all  []int64           // every row time written (known or not)
}

// makeRRD creates <prefix>/<name>.rrd (GAUGE, one AVERAGE archive of rows
// rows) whose first row ends at first.
func makeRRD(t testing.TB, prefix, name string, step, first int64, rows int) *testRRD {
	t.Helper()
	path := filepath.Join(prefix, name+".rrd")
	err := rrd.Create(path, rrd.Definition{
		Step:  time.Duration(step) * time.Second,
		Start: time.Unix(first-step, 0),
		DS:    []rrd.DS{{Name: dsName(name), Type: rrd.Gauge, Heartbeat: time.Duration(2*step) * time.Second, Min: math.NaN(), Max: math.NaN()}},
		RRA:   []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: rows}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testRRD{path: path, name: name, step: step, next: first, vals: map[int64]float64{}}
}

// add appends one update per value at consecutive row ends; with GAUGE each
// row's average is exactly its value. NaN makes an unknown row.
func (r *testRRD) add(t testing.TB, values ...float64) {
	t.Helper()
	f, err := rrd.Open(r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples := make([]rrd.Sample, len(values))
	for i, v := range values {
		ts := r.next + int64(i)*r.step
		samples[i] = rrd.Sample{Time: time.Unix(ts, 0), Values: []float64{v}}
		r.all = append(r.all, ts)
		if !math.IsNaN(v) {
			r.vals[ts] = v
		}
	}
	if err := f.Update(samples...); err != nil {
		t.Fatal(err)
	}
	r.next += int64(len(values)) * r.step
}

// last is the time of the newest row.
func (r *testRRD) last() int64 { return r.next - r.step }

// wave returns n test values with fractions, tiny and large magnitudes and
// a few unknowns.
func wave(n, seed int) []float64 {
	v := make([]float64, n)
	for i := range v {
		x := float64(i + seed)
		switch {
		case (i+31*seed)%97 == 13:
			v[i] = math.NaN()
		case seed%3 == 1:
			v[i] = 1e-7 * (1 + math.Sin(x)) // tiny
		case seed%3 == 2:
			v[i] = 1.2345678901234567e9 * (1 + math.Cos(x/5)) // bytes/s
		default:
			v[i] = 50 + 49.9*math.Sin(x/10) + x/3 // percent
		}
	}
	return v
}

// carbon is a carbon-cache (Debian's graphite-carbon) run by a test.
type carbon struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  bytes.Buffer
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startCarbon starts carbon-cache on free loopback ports with its own
// storage folder, keeping each point at step resolution for 30 days.
func startCarbon(t testing.TB, step int64) *carbon {
	t.Helper()
	needTool(t, "carbon-cache")
	needTool(t, "whisper-fetch")
	dir := t.TempDir()
	for _, d := range []string{"whisper", "log", "run", "lists"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	c := &carbon{t: t, dir: dir, port: freePort(t)}
	conf := fmt.Sprintf(`[cache]
STORAGE_DIR = %[1]s/
LOCAL_DATA_DIR = %[1]s/whisper/
WHITELISTS_DIR = %[1]s/lists/
CONF_DIR = %[1]s/
LOG_DIR = %[1]s/log/
PID_DIR = %[1]s/run/
DATABASE = whisper
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 100000
MAX_CREATES_PER_MINUTE = 100000
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = %[2]d
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = %[3]d
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = %[4]d
WHISPER_FALLOCATE_CREATE = False
LOG_LISTENER_CONN_SUCCESS = False
`, dir, c.port, freePort(t), freePort(t))
	os.WriteFile(filepath.Join(dir, "carbon.conf"), []byte(conf), 0o644)
	os.WriteFile(filepath.Join(dir, "storage-schemas.conf"),
		[]byte(fmt.Sprintf("[all]\npattern = .*\nretentions = %ds:30d\n", step)), 0o644)
	c.start()
	t.Cleanup(c.stop)
	return c
}

func (c *carbon) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)) }

// start runs carbon-cache in the foreground and waits for its line port.
func (c *carbon) start() {
	c.t.Helper()
	os.Remove(filepath.Join(c.dir, "run", "carbon-cache-a.pid"))
	cmd := exec.Command("carbon-cache", "--config="+filepath.Join(c.dir, "carbon.conf"), "--nodaemon", "start")
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = &c.log, &c.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.cmd = cmd
	exited := make(chan struct{})
	c.done = exited
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", c.addr(), time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-exited:
			c.t.Fatalf("carbon-cache exited: %s", c.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			c.t.Fatalf("carbon-cache did not listen within 30 s: %s", c.log.String())
		}
	}
}

// stop ends carbon-cache (SIGTERM lets it write its cache out; SIGKILL
// after 10 s).
func (c *carbon) stop() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	pid := c.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-c.done
	}
	c.cmd = nil
}

// fetch reads a metric's known points in (from, until] with whisper-fetch.
func (c *carbon) fetch(metric string, from, until int64) (map[int64]float64, error) {
	p := filepath.Join(c.dir, "whisper", filepath.Join(splitDots(metric)...)) + ".wsp"
	out, err := exec.Command("whisper-fetch", "--json", "--from="+strconv.FormatInt(from, 10), "--until="+strconv.FormatInt(until, 10), p).Output()
	if err != nil {
		return nil, fmt.Errorf("whisper-fetch %s: %w", p, err)
	}
	var r struct {
		Start, End, Step int64
		Values           []*float64
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, err
	}
	got := map[int64]float64{}
	for i, v := range r.Values {
		if v != nil {
			got[r.Start+int64(i)*r.Step] = *v
		}
	}
	return got, nil
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// waitFor polls fetch until the metric holds exactly want in (from, until]
// or the deadline passes; carbon writes its cache out in the background.
func (c *carbon) waitFor(t testing.TB, metric string, want map[int64]float64, from, until int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var got map[int64]float64
	var err error
	for time.Now().Before(deadline) {
		got, err = c.fetch(metric, from, until)
		if err == nil && hasAll(got, want) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("%s: %v", metric, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: carbon holds %d points, want %d", metric, len(got), len(want))
	}
	for ts, v := range want {
		g, ok := got[ts]
		if !ok {
			extra := []int64{}
			for g := range got {
				if _, ok := want[g]; !ok {
					extra = append(extra, g)
				}
			}
			t.Fatalf("%s: point at %d missing in carbon, which has %v instead (fetched (%d, %d])", metric, ts, extra, from, until)
		}
		if g != v {
			t.Fatalf("%s: carbon holds %v at %d, want %v (exactly)", metric, g, ts, v)
		}
	}
}

// stored returns the known values the RRD holds (by rrd.Fetch), checking
// that they are the values written up to rounding: rrdtool's (and our
// engine's) GAUGE arithmetic, value*seconds/step, may change the last bit.
// The forward must deliver exactly these.
func (r *testRRD) stored(t testing.TB) map[int64]float64 {
	t.Helper()
	f, err := rrd.Open(r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := f.Fetch(rrd.Average, time.Unix(r.all[0]-r.step, 0), time.Unix(r.last(), 0), time.Duration(r.step)*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]float64{}
	for i, row := range res.Rows {
		ts := res.Time(i).Unix()
		if ts < r.all[0] || ts > r.last() || math.IsNaN(row[0]) {
			continue
		}
		out[ts] = row[0]
	}
	for ts, v := range r.vals {
		if _, ok := out[ts]; !ok {
			continue // fell out of the archive
		}
		if d := math.Abs(out[ts] - v); d > 1e-12*math.Abs(v) {
			t.Fatalf("%s at %d: RRD holds %v, %v was written", r.name, ts, out[ts], v)
		}
	}
	return out
}

func hasAll(got, want map[int64]float64) bool {
	for ts := range want {
		if _, ok := got[ts]; !ok {
			return false
		}
	}
	return true
}
