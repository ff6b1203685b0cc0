package macos

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"
)

// fakeBackend models SMAppService: Register moves Off to After (On, or
// NeedsApproval when the user must approve); Unregister fails for a service
// that is not registered.
type fakeBackend struct {
	status            LoginStatus
	after             LoginStatus
	regErr, unregErr  error
	statusErr         error
	registers, unregs int
}

var errNotRegistered = errors.New("fake: not registered")

func (f *fakeBackend) Status() (LoginStatus, error) { return f.status, f.statusErr }
func (f *fakeBackend) Register() error {
	f.registers++
	if f.regErr != nil {
		return f.regErr
	}
	f.status = f.after
	return nil
}
func (f *fakeBackend) Unregister() error {
	f.unregs++
	if f.unregErr != nil {
		return f.unregErr
	}
	if f.status == LoginOff || f.status == LoginNotFound {
		return errNotRegistered
	}
	f.status = LoginOff
	return nil
}

func TestLoginItemSetMisbehaves(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name        string
		primary     fakeBackend
		legacy      *fakeBackend
		on          bool
		wantErr     error
		wantEnabled bool
		wantOpened  int
		wantRegs    int
		wantLegacy  LoginStatus
	}{
		{name: "off to on", primary: fakeBackend{after: LoginOn}, on: true, wantEnabled: true, wantRegs: 1},
		{name: "already on is not re-registered", primary: fakeBackend{status: LoginOn, after: LoginOn}, on: true, wantEnabled: true},
		{name: "needs approval opens settings", primary: fakeBackend{after: LoginNeedsApproval}, on: true, wantOpened: 1, wantRegs: 1},
		{name: "still waiting for approval opens settings again", primary: fakeBackend{status: LoginNeedsApproval}, on: true, wantOpened: 1},
		{name: "not in a bundle", primary: fakeBackend{after: LoginNotFound}, on: true, wantErr: ErrLoginNotFound, wantRegs: 1},
		{name: "register fails", primary: fakeBackend{regErr: boom}, on: true, wantErr: boom, wantRegs: 1},
		{name: "status fails", primary: fakeBackend{statusErr: boom}, on: true, wantErr: boom},
		{name: "on replaces legacy agent", primary: fakeBackend{after: LoginOn}, legacy: &fakeBackend{status: LoginOn}, on: true, wantEnabled: true, wantRegs: 1, wantLegacy: LoginOff},
		{name: "off removes both", primary: fakeBackend{status: LoginOn}, legacy: &fakeBackend{status: LoginOn}, on: false, wantLegacy: LoginOff},
		{name: "off with only the legacy agent after an upgrade", primary: fakeBackend{}, legacy: &fakeBackend{status: LoginOn}, on: false, wantLegacy: LoginOff},
		{name: "off when already off", primary: fakeBackend{}, on: false},
		{name: "off reports unregister failure", primary: fakeBackend{status: LoginOn, unregErr: boom}, on: false, wantErr: boom, wantEnabled: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.primary
			opened := 0
			l := LoginItem{Primary: &p, OpenSettings: func() error { opened++; return nil }}
			if tc.legacy != nil {
				l.Legacy = tc.legacy
			}
			err := l.Set(tc.on)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Set(%v) = %v, want %v", tc.on, err, tc.wantErr)
			}
			p.statusErr = nil
			if got, err := l.Enabled(); err != nil || got != tc.wantEnabled {
				t.Errorf("Enabled = %v, %v; want %v", got, err, tc.wantEnabled)
			}
			if opened != tc.wantOpened {
				t.Errorf("opened settings %d times, want %d", opened, tc.wantOpened)
			}
			if p.registers != tc.wantRegs {
				t.Errorf("registered %d times, want %d", p.registers, tc.wantRegs)
			}
			if tc.legacy != nil && tc.legacy.status != tc.wantLegacy {
				t.Errorf("legacy agent %v, want %v", tc.legacy.status, tc.wantLegacy)
			}
		})
	}
}

func TestLoginItemEnabledIgnoresLegacyAgent(t *testing.T) {
	l := LoginItem{Primary: &fakeBackend{}, Legacy: &fakeBackend{status: LoginOn}}
	if on, err := l.Enabled(); err != nil || !on {
		t.Errorf("Enabled = %v, %v; a legacy agent still starts Rogue", on, err)
	}
	l = LoginItem{Primary: &fakeBackend{status: LoginNeedsApproval}}
	if on, _ := l.Enabled(); on {
		t.Error("an unapproved registration shows as on")
	}
}

func TestUseAppServiceWrongVersion(t *testing.T) {
	for _, tc := range []struct {
		major  int
		bundle bool
		want   bool
	}{{11, true, false}, {12, true, false}, {13, true, true}, {15, true, true}, {26, false, false}, {0, true, false}} {
		if got := UseAppService(tc.major, tc.bundle); got != tc.want {
			t.Errorf("UseAppService(%d, %v) = %v", tc.major, tc.bundle, got)
		}
	}
}

func TestMajorVersionBadInput(t *testing.T) {
	for in, want := range map[string]int{"11.7.10": 11, "13.4.1\n": 13, "26.0": 26, "14": 14} {
		if got, err := MajorVersion(in); err != nil || got != want {
			t.Errorf("MajorVersion(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x.1", "-1.0", ".5"} {
		if _, err := MajorVersion(in); err == nil {
			t.Errorf("MajorVersion(%q) accepted", in)
		}
	}
}

func TestBundlePathMisdetects(t *testing.T) {
	for exe, want := range map[string]string{
		"/Applications/Rogue.app/Contents/MacOS/Rogue":     "/Applications/Rogue.app",
		"/Users/a/dist/Rogue.app/Contents/MacOS/Rogue":     "/Users/a/dist/Rogue.app",
		"/Users/a/go/bin/rogue":                            "",
		"/Applications/Rogue.app/Contents/Resources/rogue": "",
		"/tmp/Contents/MacOS/Rogue":                        "",
	} {
		got, ok := BundlePath(exe)
		if got != want || ok != (want != "") {
			t.Errorf("BundlePath(%q) = %q, %v; want %q", exe, got, ok, want)
		}
	}
}

func TestLaunchAgentRoundTripFails(t *testing.T) {
	dir := t.TempDir()
	a := LaunchAgent{
		Path:    filepath.Join(dir, "LaunchAgents", "com.rogue-metrics.Rogue.plist"),
		Label:   "com.rogue-metrics.Rogue",
		Program: []string{"/Users/a b/Rogue & co/rogue"},
	}
	if s, err := a.Status(); err != nil || s != LoginOff {
		t.Fatalf("missing plist: %v, %v", s, err)
	}
	if err := a.Register(); err != nil {
		t.Fatal(err)
	}
	if s, err := a.Status(); err != nil || s != LoginOn {
		t.Fatalf("after Register: %v, %v", s, err)
	}
	b, err := os.ReadFile(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if _, err := plist.Unmarshal(b, &got); err != nil {
		t.Fatalf("written plist does not parse: %v\n%s", err, b)
	}
	if got["Label"] != a.Label || got["RunAtLoad"] != true || got["LimitLoadToSessionType"] != "Aqua" {
		t.Errorf("plist keys: %v", got)
	}
	args, _ := got["ProgramArguments"].([]any)
	if len(args) != 1 || args[0] != a.Program[0] {
		t.Errorf("ProgramArguments = %v", got["ProgramArguments"])
	}
	if !strings.HasPrefix(string(b), "<?xml") {
		t.Errorf("not an XML plist: %.40q", b)
	}
	if entries, _ := os.ReadDir(filepath.Dir(a.Path)); len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}

	// A plist for a copy of Rogue elsewhere does not count as on.
	moved := a
	moved.Program = []string{"/Applications/Rogue.app/Contents/MacOS/Rogue"}
	if s, _ := moved.Status(); s != LoginOff {
		t.Errorf("agent for another executable reported %v", s)
	}
	if err := os.WriteFile(a.Path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := a.Status(); err != nil || s != LoginOff {
		t.Errorf("garbage plist: %v, %v", s, err)
	}

	if err := a.Unregister(); err != nil {
		t.Fatal(err)
	}
	if err := a.Unregister(); err != nil {
		t.Errorf("second Unregister: %v", err)
	}
	if s, _ := a.Status(); s != LoginOff {
		t.Errorf("after Unregister: %v", s)
	}
	if err := (LaunchAgent{Path: a.Path}).Register(); err == nil {
		t.Error("agent without a program registered")
	}
}

// TestLoginItemDescribeMisnames checks what a diagnostics report says of
// the login item.
func TestLoginItemDescribeMisnames(t *testing.T) {
	agent := LaunchAgent{Path: filepath.Join(t.TempDir(), "com.rogue-metrics.Rogue.plist"), Label: "com.rogue-metrics.Rogue", Program: []string{"/x"}}
	for _, tc := range []struct {
		name string
		l    LoginItem
		want string
		st   LoginStatus
	}{
		{"AppService", LoginItem{Primary: &fakeBackend{status: LoginNeedsApproval}}, "needs approval (SMAppService)", LoginNeedsApproval},
		{"AppServiceAndOldAgent", LoginItem{Primary: &fakeBackend{}, Legacy: &fakeBackend{status: LoginOn}}, "off (SMAppService); an old LaunchAgent starts Rogue too", LoginOff},
		{"LaunchAgent", LoginItem{Primary: agent}, "off (LaunchAgent " + agent.Path + ")", LoginOff},
	} {
		got, st, err := tc.l.Describe()
		if err != nil || got != tc.want || st != tc.st {
			t.Errorf("%s: %q, %v, %v; want %q, %v", tc.name, got, st, err, tc.want, tc.st)
		}
	}
}
