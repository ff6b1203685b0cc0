package testpeer

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Carbon is a Carbon cache (Debian's graphite-carbon) on free loopback
// ports, storing whisper files in a temp folder. It can be stopped and
// started again (an outage) within one test.
type Carbon struct {
	Port    int    // line receiver port on 127.0.0.1
	DataDir string // whisper files: <DataDir>/<metric path>.wsp

	tb   testing.TB
	dir  string
	proc *Process
	log  Buffer
}

// StartCarbon starts carbon-cache with the storage schema retentions (such
// as "60s:30d") for every metric and waits until its line receiver accepts
// connections. It also needs whisper-fetch, for Fetch.
func StartCarbon(tb testing.TB, retentions string) *Carbon {
	tb.Helper()
	Need(tb, "carbon-cache")
	Need(tb, "whisper-fetch")
	dir := tb.TempDir()
	c := &Carbon{tb: tb, dir: dir, Port: FreePort(tb), DataDir: filepath.Join(dir, "whisper")}
	for _, d := range []string{"whisper", "log", "run", "lists"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`[cache]
STORAGE_DIR = %[1]s/
LOCAL_DATA_DIR = %[1]s/whisper/
WHITELISTS_DIR = %[1]s/lists/
CONF_DIR = %[1]s/
LOG_DIR = %[1]s/log/
PID_DIR = %[1]s/run/
DATABASE = whisper
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 100000
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = %[2]d
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = %[3]d
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = %[4]d
WHISPER_AUTOFLUSH = True
WHISPER_FALLOCATE_CREATE = False
LOG_UPDATES = False
LOG_LISTENER_CONN_SUCCESS = False
`, dir, c.Port, FreePort(tb), FreePort(tb))
	schemas := "[all]\npattern = .*\nretentions = " + retentions + "\n"
	if err := os.WriteFile(filepath.Join(dir, "carbon.conf"), []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "storage-schemas.conf"), []byte(schemas), 0o644); err != nil {
		tb.Fatal(err)
	}
	c.Start()
	return c
}

// Addr is the line receiver's host:port.
func (c *Carbon) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)) }

// Log returns what carbon-cache has printed so far.
func (c *Carbon) Log() string { return c.log.String() }

// Start runs carbon-cache in the foreground (again, after Stop) and waits
// for its line port.
func (c *Carbon) Start() {
	c.tb.Helper()
	os.Remove(filepath.Join(c.dir, "run", "carbon-cache-a.pid"))
	cmd := exec.Command("carbon-cache", "--config="+filepath.Join(c.dir, "carbon.conf"), "--nodaemon", "start")
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = &c.log, &c.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// SIGTERM lets carbon write its cache out; SIGKILL after 10 s.
	c.proc = start(c.tb, cmd, syscall.SIGTERM, 10*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", c.Addr(), time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if err, ok := c.proc.Exited(100 * time.Millisecond); ok {
			c.tb.Fatalf("carbon-cache exited: %v\n%s", err, c.Log())
		}
		if time.Now().After(deadline) {
			c.Stop()
			c.tb.Fatalf("carbon-cache did not listen within 30 s:\n%s", c.Log())
		}
	}
}

// Stop ends carbon-cache, letting it write its cache out first.
func (c *Carbon) Stop() {
	if c.proc != nil {
		c.proc.Stop()
	}
}

// Kill ends carbon-cache with SIGKILL: what its cache held but had not
// written to whisper yet is lost, as in a crash.
func (c *Carbon) Kill() {
	if c.proc != nil {
		c.proc.Kill()
	}
}

// Fetch reads a metric's known points in (from, until] with whisper-fetch.
func (c *Carbon) Fetch(metric string, from, until int64) (map[int64]float64, error) {
	p := filepath.Join(c.DataDir, filepath.Join(strings.Split(metric, ".")...)) + ".wsp"
	out, err := exec.Command("whisper-fetch", "--json", "--from="+strconv.FormatInt(from, 10), "--until="+strconv.FormatInt(until, 10), p).Output()
	if err != nil {
		return nil, fmt.Errorf("whisper-fetch %s: %w", p, err)
	}
	var r struct {
		Start, End, Step int64
		Values           []*float64
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("whisper-fetch %s: %w", p, err)
	}
	got := map[int64]float64{}
	for i, v := range r.Values {
		if v != nil {
			got[r.Start+int64(i)*r.Step] = *v
		}
	}
	return got, nil
}

// WaitFor polls Fetch until the metric holds exactly want in (from, until]
// or 60 s pass (carbon writes its cache out in the background), and fails
// the test unless it then holds exactly want: the same times, the same
// values to the bit.
func (c *Carbon) WaitFor(tb testing.TB, metric string, want map[int64]float64, from, until int64) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var got map[int64]float64
	var err error
	for time.Now().Before(deadline) {
		got, err = c.Fetch(metric, from, until)
		if err == nil && hasAll(got, want) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("%s: %v", metric, err)
	}
	if len(got) != len(want) {
		tb.Fatalf("%s: carbon holds %d points, want %d", metric, len(got), len(want))
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
			tb.Fatalf("%s: point at %d missing in carbon, which has %v instead (fetched (%d, %d])", metric, ts, extra, from, until)
		}
		if g != v {
			tb.Fatalf("%s: carbon holds %v at %d, want %v (exactly)", metric, g, ts, v)
		}
	}
}

func hasAll(got, want map[int64]float64) bool {
	for ts := range want {
		if _, ok := got[ts]; !ok {
			return false
		}
	}
	return true
}
