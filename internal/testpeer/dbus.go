package testpeer

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bus is a private D-Bus session bus for one test.
type Bus struct {
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

// SessionBus starts dbus-daemon on a private socket.
func SessionBus(tb testing.TB) *Bus {
	tb.Helper()
	bin := Need(tb, "dbus-daemon")
	dir := ShortTempDir(tb, "rogue-bus")
	sock := filepath.Join(dir, "bus")
	conf := filepath.Join(dir, "session.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, sock)), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf, "--print-address", "--nofork")
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stderr := &Buffer{} // "Failed to set fd limit" when not root, harmless
	cmd.Stderr = stderr
	Start(tb, cmd)
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			tb.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		return &Bus{Addr: a}
	case <-time.After(30 * time.Second):
		tb.Fatal("dbus-daemon did not start within 30 s")
	}
	return nil
}

// Conn returns a new private connection to the bus, closed at cleanup.
func (b *Bus) Conn(tb testing.TB) *dbus.Conn {
	tb.Helper()
	c, err := dbus.Connect(b.Addr)
	if err != nil {
		tb.Fatalf("connect to test bus: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// WaitName waits until someone owns name on the bus.
func WaitName(tb testing.TB, c *dbus.Conn, name string, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var has bool
		err := c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		if err == nil && has {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("nobody owns %s on the bus after %v (last error %v)", name, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Keyring runs gnome-keyring-daemon's Secret Service on bus, in the
// environment env (HOME, XDG folders, DBUS_SESSION_BUS_ADDRESS of bus),
// with a login keyring unlocked by an empty password, and waits until it
// answers.
func Keyring(tb testing.TB, bus *Bus, env []string) {
	tb.Helper()
	bin := Need(tb, "gnome-keyring-daemon")
	cmd := exec.Command(bin, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = env
	cmd.Stdin = strings.NewReader("\n") // the empty password
	log := &Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	proc := Start(tb, cmd)
	c := bus.Conn(tb)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var has bool
		c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has)
		if has {
			return
		}
		if err, ok := proc.Exited(0); ok {
			tb.Fatalf("gnome-keyring-daemon exited: %v\n%s", err, log.String())
		}
		if time.Now().After(deadline) {
			tb.Fatalf("gnome-keyring-daemon did not take org.freedesktop.secrets within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
