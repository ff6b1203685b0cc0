package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testPlatform is a linuxPlatform in a temp home with the given environment.
func testPlatform(t *testing.T, env map[string]string) *linuxPlatform {
	home := t.TempDir()
	return &linuxPlatform{
		getenv:     func(k string) string { return env[k] },
		home:       home,
		executable: func() (string, error) { return "/opt/Rogue Apps/rogue$1", nil },
		lookPath:   exec.LookPath,
	}
}

func TestLoginItemCreatesAndRemovesAutostartEntry(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want func(home string) string
	}{
		{"XDGConfigHome", map[string]string{"XDG_CONFIG_HOME": "CONFIG"}, func(home string) string {
			return filepath.Join(home, "cfg", "autostart", "rogue.desktop")
		}},
		{"DefaultDotConfig", map[string]string{}, func(home string) string {
			return filepath.Join(home, ".config", "autostart", "rogue.desktop")
		}},
		{"RelativeXDGIgnored", map[string]string{"XDG_CONFIG_HOME": "relative/cfg"}, func(home string) string {
			return filepath.Join(home, ".config", "autostart", "rogue.desktop")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlatform(t, tt.env)
			if tt.env["XDG_CONFIG_HOME"] == "CONFIG" {
				tt.env["XDG_CONFIG_HOME"] = filepath.Join(p.home, "cfg")
			}
			path := tt.want(p.home)
			if on, err := p.LoginItem(); on || err != nil {
				t.Fatalf("LoginItem before = %v, %v", on, err)
			}
			if err := p.SetLoginItem(true); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no autostart file at %s: %v", path, err)
			}
			icon := filepath.Join(p.home, ".local", "share", "icons", "hicolor", "48x48", "apps", "rogue.png")
			if png, err := os.ReadFile(icon); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("the entry's Icon=rogue has no icon at %s: %v", icon, err)
			}
			for _, want := range []string{"[Desktop Entry]\n", "Type=Application\n", "Name=Rogue\n",
				`Exec="/opt/Rogue Apps/rogue\\$1"` + "\n", "Icon=rogue\n"} {
				if !strings.Contains(string(data), want) {
					t.Errorf("autostart file lacks %q:\n%s", want, data)
				}
			}
			if on, err := p.LoginItem(); !on || err != nil {
				t.Errorf("LoginItem after enabling = %v, %v", on, err)
			}
			if err := p.SetLoginItem(false); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("autostart file still there: %v", err)
			}
			if on, _ := p.LoginItem(); on {
				t.Error("LoginItem after disabling = true")
			}
			if err := p.SetLoginItem(false); err != nil {
				t.Errorf("disabling twice: %v", err)
			}
		})
	}
}

func TestLoginItemRespectsEntrySwitchedOff(t *testing.T) {
	for _, tt := range []struct {
		body string
		on   bool
	}{
		{"[Desktop Entry]\nExec=rogue\n", true},
		{"[Desktop Entry]\nExec=rogue\nHidden=true\n", false},
		{"[Desktop Entry]\nExec=rogue\nHidden = true\n", false},
		{"[Desktop Entry]\nExec=rogue\nHidden=false\n", true},
		{"[Desktop Entry]\nExec=rogue\nX-GNOME-Autostart-enabled=false\n", false},
		{"[Desktop Entry]\nExec=rogue\nX-GNOME-Autostart-enabled=true\n", true},
	} {
		p := testPlatform(t, map[string]string{})
		path := p.autostartPath()
		os.MkdirAll(filepath.Dir(path), 0o700)
		os.WriteFile(path, []byte(tt.body), 0o644)
		if on, err := p.LoginItem(); on != tt.on || err != nil {
			t.Errorf("LoginItem for %q = %v, %v; want %v", tt.body, on, err, tt.on)
		}
	}
}

func TestExecQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/rogue":        `"/usr/bin/rogue"`,
		"/home/a b/rogue":       `"/home/a b/rogue"`,
		`/x/"q"`:                `"/x/\\"q\\""`,
		"/x/$HOME/`c`":          "\"/x/\\\\$HOME/\\\\`c\\\\`\"",
		`/x\y`:                  `"/x\\\\y"`,
		"/x/100%":               `"/x/100%%"`,
		"/home/ünï/rogue-1.0.0": `"/home/ünï/rogue-1.0.0"`,
	} {
		if got := execQuote(in); got != want {
			t.Errorf("execQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestKeyAccess(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		ok   bool
		hint string
	}{
		{map[string]string{"DISPLAY": ":0"}, true, ""},
		{map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, false, "Wayland"},
		{map[string]string{}, false, "DISPLAY is not set"},
	} {
		ok, hint := testPlatform(t, tt.env).KeyAccess()
		if ok != tt.ok || !strings.Contains(hint, tt.hint) || (tt.ok && hint != "") {
			t.Errorf("KeyAccess with %v = %v, %q; want %v, containing %q", tt.env, ok, hint, tt.ok, tt.hint)
		}
	}
}

// fakeZenity puts a zenity on a PATH of its own that answers from a script.
// It is a stand-in for the dialog only; what AskServer does with the
// answers is the real code.
func fakeZenity(t *testing.T, p *linuxPlatform, script string) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "zenity"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	p.lookPath = func(name string) (string, error) {
		if name != "zenity" {
			return "", exec.ErrNotFound
		}
		return filepath.Join(dir, "zenity"), nil
	}
}

func TestAskServer(t *testing.T) {
	display := map[string]string{"DISPLAY": ":0"}
	tests := []struct {
		name       string
		env        map[string]string
		script     string // "" means no zenity on PATH
		wantServer string
		wantKey    string
		wantErr    error
	}{
		{"NoZenity", display, "", "", "", errNoDialog},
		{"NoDisplay", map[string]string{}, "echo x", "", "", errNoDialog},
		{"BothAnswered", display, `case "$2" in --hide-text) echo "k3y";; *) echo " https://grok.example.com ";; esac`,
			"https://grok.example.com", "k3y", nil},
		{"CancelURL", display, "exit 1", "", "", errCancelled},
		{"CancelKey", display, `case "$2" in --hide-text) exit 1;; *) echo grok;; esac`, "", "", errCancelled},
		{"EmptyURLIsCancel", display, `echo ""`, "", "", errCancelled},
		{"PrefilledWithCurrent", display, `case "$2" in --hide-text) echo k;; *) echo "$4" | sed 's/--entry-text=//';; esac`,
			"https://current.example", "k", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlatform(t, tt.env)
			if tt.script != "" {
				fakeZenity(t, p, tt.script)
			} else {
				p.lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
			}
			server, key, err := p.AskServer(context.Background(), "https://current.example")
			if !errors.Is(err, tt.wantErr) || server != tt.wantServer || key != tt.wantKey {
				t.Errorf("AskServer = %q, %q, %v; want %q, %q, %v", server, key, err, tt.wantServer, tt.wantKey, tt.wantErr)
			}
		})
	}
}

func TestAskServerZenityFailureIsReported(t *testing.T) {
	p := testPlatform(t, map[string]string{"DISPLAY": ":0"})
	fakeZenity(t, p, "echo 'cannot open display' >&2; exit 5")
	_, _, err := p.AskServer(context.Background(), "")
	if err == nil || errors.Is(err, errCancelled) || !strings.Contains(err.Error(), "cannot open display") {
		t.Errorf("err = %v, want zenity's failure with its message", err)
	}
}

// TestAskServerKeepsPastedKeyOffTheCommandLine checks that a key typed into
// the URL field does not end up in the second zenity's arguments (its
// title), which every user can read with ps.
func TestAskServerKeepsPastedKeyOffTheCommandLine(t *testing.T) {
	for _, typed := range []string{
		"https://" + pastedSecret + "@grok.example.com",
		"https://api:" + pastedSecret + "@grok.example.com",
		"https://grok.example.com/?key=" + pastedSecret,
	} {
		p := testPlatform(t, map[string]string{"DISPLAY": ":0"})
		argv := filepath.Join(t.TempDir(), "argv")
		fakeZenity(t, p, `printf '%s\n' "$@" >> '`+argv+`'
case "$2" in --hide-text) echo k;; *) echo '`+typed+`';; esac`)
		server, _, err := p.AskServer(context.Background(), "")
		if err != nil || server != typed {
			t.Fatalf("AskServer = %q, %v; want %q", server, err, typed)
		}
		b, err := os.ReadFile(argv)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "--hide-text") {
			t.Fatalf("the key dialog was not shown: %s", b)
		}
		// The prompt says what to type: an API key, not a "Password".
		if !strings.Contains(string(b), "--text=API key for ") || strings.Contains(string(b), "--password") {
			t.Errorf("the key dialog does not ask for an API key:\n%s", b)
		}
		if strings.Contains(string(b), pastedSecret) {
			t.Errorf("zenity's arguments hold the key typed into the URL:\n%s", b)
		}
	}
}

// TestLoginItemKeepsUserEditedEntry: an autostart entry the user edited
// (their own Exec line with flags, extra keys or groups) is switched off and
// on in place, never deleted or replaced by Rogue's default.
func TestLoginItemKeepsUserEditedEntry(t *testing.T) {
	const exec = `Exec=/home/u/bin/rogue --prefix /data/rogue --interval 10` + "\n"
	for _, tt := range []struct {
		name, body string
	}{
		{"Enabled", "[Desktop Entry]\nType=Application\nName=My Rogue\n" + exec + "Comment=mine\n"},
		{"GNOMEDisabled", "[Desktop Entry]\nType=Application\n" + exec + "X-GNOME-Autostart-enabled=false\n"},
		{"HiddenWithAction", "# my notes\n[Desktop Entry]\n" + exec + "Hidden=true\n\n[Desktop Action quiet]\nName=Quiet\nExec=rogue --headless\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlatform(t, map[string]string{})
			path := p.autostartPath()
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, on := range []bool{false, true, false, true} {
				if err := p.SetLoginItem(on); err != nil {
					t.Fatalf("SetLoginItem(%v): %v", on, err)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("after SetLoginItem(%v) the user's entry is gone: %v", on, err)
				}
				if !strings.Contains(string(data), exec) || strings.Contains(string(data), "/opt/Rogue Apps") {
					t.Fatalf("after SetLoginItem(%v) the user's Exec line was replaced:\n%s", on, data)
				}
				if got, err := p.LoginItem(); got != on || err != nil {
					t.Fatalf("LoginItem after SetLoginItem(%v) = %v, %v:\n%s", on, got, err, data)
				}
				if strings.Contains(tt.body, "[Desktop Action quiet]") && !strings.Contains(string(data), "Exec=rogue --headless") {
					t.Fatalf("other groups lost:\n%s", data)
				}
			}
		})
	}
}
