package main

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/sync"
)

// TestAskServerKeepsPastedKeyOffTheCommandLine checks that a key typed into
// the URL field does not end up in the second zenity's arguments (its
// title), which every user can read with ps.
func TestAskServerKeepsPastedKeyOffTheCommandLine(t *testing.T) {
	for _, typed := range []string{
		"https://" + reviewSecret + "@grok.example.com",
		"https://api:" + reviewSecret + "@grok.example.com",
		"https://grok.example.com/?key=" + reviewSecret,
	} {
		p := testPlatform(t, map[string]string{"DISPLAY": ":0"})
		argv := filepath.Join(t.TempDir(), "argv")
		fakeZenity(t, p, `printf '%s\n' "$@" >> '`+argv+`'
case "$1" in --entry) echo '`+typed+`';; --password) echo k;; esac`)
		server, _, err := p.AskServer(context.Background(), "")
		if err != nil || server != typed {
			t.Fatalf("AskServer = %q, %v; want %q", server, err, typed)
		}
		b, err := os.ReadFile(argv)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "--password") {
			t.Fatalf("the key dialog was not shown: %s", b)
		}
		if strings.Contains(string(b), reviewSecret) {
			t.Errorf("zenity's arguments hold the key typed into the URL:\n%s", b)
		}
	}
}

// TestSetServerDropsTheOldServersPin: a fingerprint pinned for one server
// is that server's certificate. Choosing another server in the menu must
// not check the new one against it (every other server was refused as "not
// the pinned one", so the server could not be changed from the menu);
// entering the same server again keeps the pin.
func TestSetServerDropsTheOldServersPin(t *testing.T) {
	// No session bus: the key cannot be stored, so a check that passed
	// ends in "Could not store the key" and nothing reaches a real keyring.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "[]")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, oldServer, wantErr string
	}{
		{"OtherServerBefore", "https://old.example.com", "Could not store the key"},
		{"NoServerBefore", "", "Could not store the key"},
		{"SameServerKeepsPin", srv.URL, "pinned"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := defaultSettings()
			s.Server, s.CAFile, s.PinSHA256 = tt.oldServer, caFile, strings.Repeat("ab", 32)
			fwd, err := sync.NewForwarder(sync.ForwardConfig{Prefix: t.TempDir(), Server: s.Server})
			if err != nil {
				t.Fatal(err)
			}
			logger := slog.New(slog.DiscardHandler)
			a := &app{log: logger, fwdLog: logger, fwd: fwd, ctx: context.Background(), now: time.Now,
				settingsPath: filepath.Join(t.TempDir(), settingsFile), saved: s, eff: s}
			err = a.setServer(srv.URL, "k")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("setServer from %q: %v; want an error mentioning %q", tt.oldServer, err, tt.wantErr)
			}
		})
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
