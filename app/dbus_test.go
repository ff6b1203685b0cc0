package main

// Test helpers that start real peers for the menu-bar app's tests: a private
// D-Bus session bus, GNOME Keyring's Secret Service on it, a Carbon cache,
// and the rogue binary itself. Each cleans up after its test.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// needProgram returns the path of an external program the test drives, or
// skips the test when it is missing (fails under CI, which installs it).
func needProgram(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (scripts/test.sh installs it): %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
	return p
}

// shortTempDir returns a fresh folder with a short path (unix socket paths
// are limited to 108 bytes), removed at cleanup.
func shortTempDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// process is a started child process.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // Wait's result, set before done is closed
}

// exited returns Wait's result once the process has exited, or false after
// timeout.
func (p *process) exited(timeout time.Duration) (error, bool) {
	select {
	case <-p.done:
		return p.err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// stop ends the process with SIGINT, then SIGKILL after a grace period,
// and reaps it.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	if _, ok := p.exited(5 * time.Second); !ok {
		p.cmd.Process.Kill()
		<-p.done
	}
}

// startProcess starts cmd and arranges for it to be stopped at cleanup.
func startProcess(t testing.TB, cmd *exec.Cmd) *process {
	t.Helper()
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.stop)
	return p
}

// sessionBus is a private D-Bus session bus for one test.
type sessionBus struct {
	Addr string // DBUS_SESSION_BUS_ADDRESS
}

// busConfig is a session bus that listens on one socket and activates no
// services, so nothing from the machine's desktop (or its HOME) joins in.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// startSessionBus starts dbus-daemon on a private socket.
func startSessionBus(t testing.TB) *sessionBus {
	t.Helper()
	bin := needProgram(t, "dbus-daemon")
	dir := shortTempDir(t, "rogue-bus")
	sock := filepath.Join(dir, "bus")
	conf := filepath.Join(dir, "session.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, sock)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf, "--print-address", "--nofork")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder // "Failed to set fd limit" when not root, harmless
	cmd.Stderr = &stderr
	startProcess(t, cmd)
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		return &sessionBus{Addr: a}
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start within 10 s")
	}
	return nil
}

// Conn returns a new private connection to the bus, closed at cleanup.
func (b *sessionBus) Conn(t testing.TB) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(b.Addr)
	if err != nil {
		t.Fatalf("connect to test bus: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitName waits until someone owns name on the bus.
func waitName(t testing.TB, c *dbus.Conn, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var has bool
		err := c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		if err == nil && has {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nobody owns %s on the bus after %v (last error %v)", name, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testEnv is a fresh home for a rogue process: HOME and the XDG folders in a
// temp dir, the test's session bus, nothing of the developer's desktop.
type testEnv struct {
	Home    string
	Config  string // $XDG_CONFIG_HOME
	Data    string // $XDG_DATA_HOME
	State   string // $XDG_STATE_HOME
	Runtime string // $XDG_RUNTIME_DIR
	Bus     *sessionBus
}

func newTestEnv(t testing.TB, bus *sessionBus) *testEnv {
	t.Helper()
	home := t.TempDir()
	e := &testEnv{
		Home:    home,
		Config:  filepath.Join(home, ".config"),
		Data:    filepath.Join(home, ".local", "share"),
		State:   filepath.Join(home, ".local", "state"),
		Runtime: shortTempDir(t, "rogue-run"),
		Bus:     bus,
	}
	for _, d := range []string{e.Config, e.Data, e.State} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(e.Runtime, 0o700)
	return e
}

// Environ is the environment for a child process: the parent's PATH and
// little else.
func (e *testEnv) Environ() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.Home,
		"XDG_CONFIG_HOME=" + e.Config,
		"XDG_DATA_HOME=" + e.Data,
		"XDG_STATE_HOME=" + e.State,
		"XDG_RUNTIME_DIR=" + e.Runtime,
		"LANG=C.UTF-8",
	}
	if e.Bus != nil {
		env = append(env, "DBUS_SESSION_BUS_ADDRESS="+e.Bus.Addr)
	} else {
		env = append(env, "DBUS_SESSION_BUS_ADDRESS=")
	}
	return env
}

// Setenv points this process at the environment (for in-process code such
// as the keyring, which uses the shared session bus connection).
func (e *testEnv) Setenv(t *testing.T) {
	for _, kv := range e.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
}

// startKeyring runs gnome-keyring-daemon's Secret Service on the env's bus,
// with a login keyring unlocked by an empty password, and waits until it
// answers.
func startKeyring(t testing.TB, e *testEnv) {
	t.Helper()
	bin := needProgram(t, "gnome-keyring-daemon")
	cmd := exec.Command(bin, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = e.Environ()
	cmd.Stdin = strings.NewReader("\n") // the empty password
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	proc := startProcess(t, cmd)
	c := e.Bus.Conn(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var has bool
		c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has)
		if has {
			return
		}
		if err, ok := proc.exited(0); ok {
			t.Fatalf("gnome-keyring-daemon exited: %v\n%s", err, log.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring-daemon did not take org.freedesktop.secrets within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var (
	buildOnce gosync.Once
	builtBin  string
	buildErr  error
)

// rogueBinary builds the rogue command once per test run.
func rogueBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rogue-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "rogue")
		cmd := exec.Command("go", "build", "-ldflags=-X main.version=test", "-o", builtBin, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// carbon is a Carbon cache (Debian's graphite-carbon) on a free loopback
// port, storing whisper files in a temp dir.
type carbon struct {
	Port    int
	DataDir string // whisper files: <DataDir>/<metric>.wsp
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startCarbon starts carbon-cache in the foreground and waits until its
// line receiver accepts connections.
func startCarbon(t testing.TB) *carbon {
	t.Helper()
	bin := needProgram(t, "carbon-cache")
	dir := t.TempDir()
	c := &carbon{Port: freePort(t), DataDir: filepath.Join(dir, "whisper")}
	for _, d := range []string{c.DataDir, filepath.Join(dir, "log"), filepath.Join(dir, "lists")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`[cache]
STORAGE_DIR = %[1]s
LOCAL_DATA_DIR = %[2]s
WHITELISTS_DIR = %[1]s/lists
CONF_DIR = %[1]s
LOG_DIR = %[1]s/log
PID_DIR = %[1]s
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 10000
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = %[3]d
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = %[4]d
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = %[5]d
LOG_UPDATES = False
WHISPER_AUTOFLUSH = True
`, dir, c.DataDir, c.Port, freePort(t), freePort(t))
	schemas := "[default]\npattern = .*\nretentions = 1s:1d,60s:14d\n"
	if err := os.WriteFile(filepath.Join(dir, "carbon.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "storage-schemas.conf"), []byte(schemas), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config="+filepath.Join(dir, "carbon.conf"), "--nodaemon",
		"--pidfile="+filepath.Join(dir, "carbon.pid"), "--logdir="+filepath.Join(dir, "log"), "start")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	proc := startProcess(t, cmd)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", c.Port), time.Second)
		if err == nil {
			conn.Close()
			return c
		}
		if err, ok := proc.exited(0); ok {
			t.Fatalf("carbon-cache exited: %v\n%s", err, out.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("carbon-cache did not listen within 30 s:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
