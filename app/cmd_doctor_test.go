package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/sync"
)

// doctorEnv is a home folder with settings, RRD files and a Grok server:
// TLS on one loopback port and a Carbon listener on another.
type doctorEnv struct {
	home, prefix, settings string
	tls                    *httptest.Server
	carbon                 net.Listener
	fingerprint            string
	keys                   *fakeStore
}

func newDoctorEnv(t *testing.T) *doctorEnv {
	t.Helper()
	e := &doctorEnv{home: t.TempDir()}
	t.Setenv("HOME", e.home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(e.home, ".local", "share"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(e.home, ".config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(e.home, ".local", "state"))
	t.Setenv("DISPLAY", "") // no key tap: the probe fails at once
	d, err := defaultDirs()
	if err != nil {
		t.Fatal(err)
	}
	e.prefix = filepath.Join(d.Data, "db")
	if err := os.MkdirAll(e.prefix, 0o700); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Unix() / 60 * 60
	for _, name := range []string{"CPUPercent", "MemoryPercent"} {
		makeSyncRRD(t, e.prefix, name, end, 30)
		// Private, as the agent keeps them (rrd.Create, like rrdtool,
		// leaves them to the umask).
		if err := os.Chmod(filepath.Join(e.prefix, name+".rrd"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := sync.WriteCursor(sync.CursorPath(e.prefix, "CPUPercent", sync.Grok), sync.CursorAt(time.Unix(end-10*60, 0))); err != nil {
		t.Fatal(err)
	}
	e.tls = httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(e.tls.Close)
	e.fingerprint = sync.CertFingerprint(e.tls.Certificate().Raw)
	e.carbon, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.carbon.Close() })
	e.settings = filepath.Join(d.Config, settingsFile)
	e.keys = newFakeStore(map[string]string{e.tls.URL: pastedSecret})
	old := apiKeys
	apiKeys = e.keys
	t.Cleanup(func() { apiKeys = old })
	if runtime.GOOS != "linux" {
		// A Mac's permissions and login item are its own (a CI runner has
		// not granted Input Monitoring); the report around them is what is
		// tested here.
		oldPlat := doctorPlatformFor
		doctorPlatformFor = func() doctorPlatform { return quietPlatform{} }
		t.Cleanup(func() { doctorPlatformFor = oldPlat })
	}
	return e
}

// quietPlatform is a doctorPlatform with nothing to report.
type quietPlatform struct{}

func (quietPlatform) OSVersion() string      { return "test system" }
func (quietPlatform) Permissions() []finding { return nil }
func (quietPlatform) KeyTap(context.Context, *agent.KeyStatus) finding {
	return finding{Topic: "key tap", Value: "not probed"}
}
func (quietPlatform) LoginItem() finding { return finding{Topic: "start at login", Value: "off"} }

// save writes the settings: forwarding on to the test server, pinned to pin.
func (e *doctorEnv) save(t *testing.T, pin string) {
	t.Helper()
	s := defaultSettings()
	s.Server = e.tls.URL
	s.Port = e.carbon.Addr().(*net.TCPAddr).Port
	s.Forwarding = true
	s.PinSHA256 = pin
	if err := s.save(e.settings); err != nil {
		t.Fatal(err)
	}
}

// TestDoctorMissesTrouble runs rogue doctor against real files, a real TLS
// server and a real Carbon port: every problem that needs the user is
// marked and makes it exit 1, a healthy setup exits 0, and the API key is
// never printed.
func TestDoctorMissesTrouble(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, e *doctorEnv)
		code   int
		want   []string
		action string // expected in a "→" line
	}{
		{"Healthy", func(t *testing.T, e *doctorEnv) { e.save(t, e.fingerprint) }, 0, []string{
			"matches the pin", "SHA-256 ", "Carbon port reachable", "an API key is stored for https://127.0.0.1:",
			"CPUPercent.rrd           ok, step 1m0s", "KeyHold.rrd              missing", "about 10 points pending",
			"1 metrics never sent", "mode 0700", "no Rogue running on it", "other data files         private to you", "Nothing needs your action.",
		}, ""},
		{"UntrustedCertificate", func(t *testing.T, e *doctorEnv) { e.save(t, "") }, 1, []string{
			"NOT trusted",
		}, "rogue login --pin "},
		{"PinMismatch", func(t *testing.T, e *doctorEnv) { e.save(t, strings.Repeat("AB:", 31)+"AB") }, 1, []string{
			"NOT the pinned AB:AB",
		}, "certificate changed"},
		{"KeychainUnreachable", func(t *testing.T, e *doctorEnv) {
			e.save(t, e.fingerprint)
			e.keys.getErr = errors.New("org.freedesktop.secrets was not provided by any .service files")
		}, 1, []string{"keychain                 unreachable: org.freedesktop.secrets"}, "unlock the keychain"},
		{"CarbonDown", func(t *testing.T, e *doctorEnv) {
			e.save(t, e.fingerprint)
			e.carbon.Close()
		}, 1, []string{"Carbon port unreachable"}, "Carbon port"},
		{"CorruptFileAndOneSetAside", func(t *testing.T, e *doctorEnv) {
			e.save(t, e.fingerprint)
			os.WriteFile(filepath.Join(e.prefix, "KeyHold.rrd"), []byte("not an rrd"), 0o600)
			os.WriteFile(filepath.Join(e.prefix, "CPUPercent.rrd.bad-20261201T100000Z"), nil, 0o600)
		}, 1, []string{"KeyHold.rrd              unusable: ", "set aside: CPUPercent.rrd.bad-20261201T100000Z"}, "rogue agent --reset"},
		{"DataFolderOpenToOthers", func(t *testing.T, e *doctorEnv) {
			e.save(t, e.fingerprint)
			os.Chmod(e.prefix, 0o755)
		}, 1, []string{"mode 0755"}, "chmod 700"},
		{"RRDFileOpenToOthers", func(t *testing.T, e *doctorEnv) {
			e.save(t, e.fingerprint)
			os.Chmod(filepath.Join(e.prefix, "MemoryPercent.rrd"), 0o644)
		}, 1, []string{"MemoryPercent.rrd        ok, step 1m0s", "mode 0644, readable by other users"}, "chmod 600 "},
		{"ScoresOpenToOthers", func(t *testing.T, e *doctorEnv) {
			e.save(t, e.fingerprint)
			os.Mkdir(filepath.Join(e.prefix, "anomaly"), 0o755)
			os.WriteFile(filepath.Join(e.prefix, "anomaly", "KeyCount.rrd"), nil, 0o644)
			os.WriteFile(filepath.Join(e.prefix, "KeyCount.csv"), nil, 0o640)
		}, 1, []string{"readable by other users: KeyCount.csv (mode 0640), anomaly (mode 0755), anomaly/KeyCount.rrd (mode 0644)"}, "chmod -R go= "},
		{"DataFolderInUse", func(t *testing.T, e *doctorEnv) {
			e.save(t, e.fingerprint)
			l, err := lockData(e.prefix, 0, false)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.release() })
		}, 0, []string{"in use by Rogue (pid " + strconv.Itoa(os.Getpid()) + ": " + commandLine(os.Args) + ")"}, ""},
		{"SettingsUnusable", func(t *testing.T, e *doctorEnv) {
			os.MkdirAll(filepath.Dir(e.settings), 0o700)
			os.WriteFile(e.settings, []byte(`{"interval": "often"`), 0o600)
		}, 1, []string{"settings.json: "}, "fix or remove the file"},
		{"SettingsFolderIsAFile", func(t *testing.T, e *doctorEnv) {
			dir := filepath.Dir(filepath.Dir(e.settings)) // ~/.config
			os.RemoveAll(dir)
			os.WriteFile(dir, nil, 0o600)
		}, 1, []string{"settings.json: a part of the path is a file, not a folder"}, "move that file away"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newDoctorEnv(t)
			tc.setup(t, e)
			code, out, errOut := runCmd(t, "doctor", "--timeout", "5s")
			t.Log(out)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q:\n%s", w, out)
				}
			}
			if tc.action != "" && !strings.Contains(out, "→ ") || !strings.Contains(out, tc.action) {
				t.Errorf("action %q not said:\n%s", tc.action, out)
			}
			if tc.code == 0 && strings.Contains(out, "\n! ") {
				t.Errorf("healthy set-up marked for action:\n%s", out)
			}
			if !strings.Contains(out, e.fingerprint) && tc.name != "SettingsUnusable" && tc.name != "SettingsFolderIsAFile" {
				t.Errorf("certificate fingerprint %s not printed:\n%s", e.fingerprint, out)
			}
			if strings.Contains(out+errOut, pastedSecret) {
				t.Errorf("the API key was printed:\n%s", out)
			}
			if e.keys.reads != 0 {
				t.Errorf("the key was read %d times; doctor must only ask whether one exists", e.keys.reads)
			}
		})
	}
}

// TestDoctorLeavesSettingsAlone: an unusable settings file is reported,
// not moved aside as the app would.
func TestDoctorLeavesSettingsAlone(t *testing.T) {
	e := newDoctorEnv(t)
	os.MkdirAll(filepath.Dir(e.settings), 0o700)
	os.WriteFile(e.settings, []byte("{"), 0o600)
	runCmd(t, "doctor", "--offline")
	if b, err := os.ReadFile(e.settings); err != nil || string(b) != "{" {
		t.Errorf("settings file changed: %q, %v", b, err)
	}
}

// TestDoctorBadFlags: a usage error exits 2.
func TestDoctorBadFlags(t *testing.T) {
	if code, _, _ := runCmd(t, "doctor", "--bogus"); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if code, _, errOut := runCmd(t, "doctor", "-h"); code != 0 || !strings.Contains(errOut, "never") {
		t.Errorf("-h: exit %d: %s", code, errOut)
	}
}
