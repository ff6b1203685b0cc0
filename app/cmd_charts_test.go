package main

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rogue-metrics/rogue/charts"
)

// TestChartsCommand runs "rogue charts" in-process against a fake running
// instance: an address file and a listener.
func TestChartsCommand(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	d, err := defaultDirs()
	if err != nil {
		t.Fatal(err)
	}
	addrFile := filepath.Join(d.Config, chartsAddressFile)

	// Nothing recorded: not running.
	if code, _, errs := runCmd(t, "charts", "--url"); code != 1 || !strings.Contains(errs, "Rogue is not running") {
		t.Errorf("no address: exit %d, %q", code, errs)
	}

	// A recorded address where nothing listens (Rogue crashed): not running.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String() + "/"
	ln.Close()
	if err := charts.WriteAddress(addrFile, base); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "charts", "--url"); code != 1 || !strings.Contains(errs, "nothing answers") {
		t.Errorf("stale address: exit %d, %q", code, errs)
	}

	// Running: --url prints the address with the key.
	ln, err = net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	base = "http://" + ln.Addr().String() + "/"
	if err := charts.WriteAddress(addrFile, base); err != nil {
		t.Fatal(err)
	}
	secret, err := charts.LoadSecret(filepath.Join(d.Config, chartsSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "charts", "--url")
	if code != 0 || strings.TrimSpace(out) != charts.OpenURL(base, secret) {
		t.Errorf("running: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	// Without a desktop session there is no browser to open: say what to
	// do instead of handing xdg-open an address it cannot open.
	if runtime.GOOS == "linux" {
		t.Setenv("DISPLAY", "")
		t.Setenv("WAYLAND_DISPLAY", "")
		t.Setenv("BROWSER", "")
		if code, out, errs := runCmd(t, "charts"); code != 1 || out != "" || !strings.Contains(errs, "rogue charts --url") {
			t.Errorf("no display: exit %d, stdout %q, stderr %q", code, out, errs)
		}
	}

	// A tampered address file is refused, not opened.
	os.WriteFile(addrFile, []byte("http://evil.example:80/\n"), 0o600)
	if code, out, errs := runCmd(t, "charts", "--url"); code != 1 || out != "" || !strings.Contains(errs, "loopback") {
		t.Errorf("foreign address: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"charts", "-h"}, 0, "Usage: rogue charts [--url]"},
		{[]string{"charts", "--bogus"}, 2, "bogus"},
		{[]string{"charts", "stray"}, 2, "unexpected argument"},
	} {
		if code, _, errs := runCmd(t, tt.args...); code != tt.code || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, tt.code, tt.msg)
		}
	}
}
