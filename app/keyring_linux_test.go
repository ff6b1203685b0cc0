package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

func TestNormalizeServer(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "grok.example.com", want: "https://grok.example.com"},
		{in: "  HTTPS://Grok.Example.com/ ", want: "https://grok.example.com"},
		{in: "http://127.0.0.1:8080/grok/", want: "http://127.0.0.1:8080/grok"},
		{in: "https://[::1]:443", want: "https://[::1]:443"},
		{in: "", bad: true},
		{in: "ftp://grok", bad: true},
		{in: "https://", bad: true},
		{in: "https://secretkey@grok.example.com", bad: true},
		{in: "https://grok.example.com/?key=x", bad: true},
		{in: "https://grok.example.com/#x", bad: true},
		{in: "https://grok example.com", bad: true},
	}
	for _, tt := range tests {
		got, err := normalizeServer(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("normalizeServer(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("normalizeServer(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestNormalizeServerErrorHidesCredentials checks that a key pasted into the
// URL does not come back in the error (which the menu and logs show).
func TestNormalizeServerErrorHidesCredentials(t *testing.T) {
	_, err := normalizeServer("https://SECRET-KEY-123@grok.example.com")
	if err == nil || strings.Contains(err.Error(), "SECRET-KEY-123") {
		t.Fatalf("error %v, want one that does not repeat the key", err)
	}
}

// fakeGrok answers GET /_metrics/custom like a Grok server that accepts one
// API key (as the basic-auth user name), refusing others as Grok does.
func fakeGrok(t testing.TB, key string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, ok := r.BasicAuth()
		if !ok || user != key {
			// As Grok does (responses.py UnauthorizedResponse): 400, not 401.
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"result": "Invalid API Key"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestKeyringSecretService stores, reads, replaces and deletes the API key in
// a real GNOME Keyring on the test's own session bus, reads it back with
// libsecret's secret-tool, runs "rogue login" and "rogue logout" with the key
// on standard input, and finally checks that the key is nowhere on disk or in
// the captured output.
func TestKeyringSecretService(t *testing.T) {
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	testpeer.Keyring(t, env.Bus, env.Environ())
	env.Setenv(t)
	secretTool := testpeer.Need(t, "secret-tool")

	const (
		key1 = "rogue-test-key-ONE-5d41402abc4b2a76"
		key2 = "rogue-test-key-TWO-7d793037a0760186"
		key3 = "rogue-test-key-THREE-e4da3b7fbbce2345"
	)
	server := "https://grok.example.com"
	lookup := func(account string) string {
		cmd := exec.Command(secretTool, "lookup", "service", keyringService, "username", account)
		cmd.Env = env.Environ()
		out, _ := cmd.Output()
		return string(out)
	}

	if _, err := loadAPIKey(server); !errors.Is(err, errNoKey) {
		t.Fatalf("loadAPIKey on an empty keyring: %v, want errNoKey", err)
	}
	if err := saveAPIKey(server, key1); err != nil {
		t.Fatal(err)
	}
	if got, err := loadAPIKey(server); err != nil || got != key1 {
		t.Fatalf("loadAPIKey = %q, %v; want key1", got, err)
	}
	if got := lookup(server); got != key1 {
		t.Errorf("secret-tool lookup = %q, want key1: the key is not where other Secret Service clients look", got)
	}
	if err := saveAPIKey(server, key2); err != nil {
		t.Fatal(err)
	}
	if got, err := loadAPIKey(server); err != nil || got != key2 {
		t.Fatalf("after replacing: loadAPIKey = %q, %v; want key2", got, err)
	}
	if err := saveAPIKey(server, ""); err == nil {
		t.Error("saveAPIKey accepted an empty key")
	}
	if err := deleteAPIKey(server); err != nil {
		t.Fatal(err)
	}
	if _, err := loadAPIKey(server); !errors.Is(err, errNoKey) {
		t.Fatalf("after delete: %v, want errNoKey", err)
	}
	if err := deleteAPIKey(server); err != nil {
		t.Errorf("deleting a missing key: %v, want nil", err)
	}

	// rogue login with the key on standard input, verified by a server that
	// accepts key3 only.
	grok := fakeGrok(t, key3)
	var out, errOut bytes.Buffer
	login := func(key string, args ...string) int {
		return run(context.Background(), append([]string{"login"}, args...),
			stdio{In: strings.NewReader(key + "\n"), Out: &out, Err: &errOut})
	}
	if code := login(key1, "--server", grok.URL); code != 1 {
		t.Fatalf("login with a refused key: exit %d, want 1\n%s", code, errOut.String())
	}
	if _, err := loadAPIKey(grok.URL); !errors.Is(err, errNoKey) {
		t.Fatalf("a refused key was stored: %v", err)
	}
	if code := login(key3, "--server", grok.URL); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, errOut.String())
	}
	if got, err := loadAPIKey(grok.URL); err != nil || got != key3 {
		t.Fatalf("after login: loadAPIKey = %q, %v; want key3", got, err)
	}
	data, err := os.ReadFile(filepath.Join(env.Config, "rogue", settingsFile))
	if err != nil {
		t.Fatalf("login did not save the server in the settings: %v", err)
	}
	if !strings.Contains(string(data), grok.URL) {
		t.Errorf("settings %s do not name the server %s", data, grok.URL)
	}
	if code := login(key2, "--server", "https://other.example", "--no-verify"); code != 0 {
		t.Fatalf("login --no-verify: exit %d\n%s", code, errOut.String())
	}
	if code := run(context.Background(), []string{"login", "--server", grok.URL, key1}, stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 2 {
		t.Errorf("login with the key as an argument: exit %d, want 2 (usage)", code)
	}
	// logout without --server removes the settings' server (now other.example).
	if code := run(context.Background(), []string{"logout"}, stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 0 {
		t.Fatalf("logout: exit %d\n%s", code, errOut.String())
	}
	if _, err := loadAPIKey("https://other.example"); !errors.Is(err, errNoKey) {
		t.Errorf("after logout: %v, want errNoKey", err)
	}
	if code := run(context.Background(), []string{"logout", "--server", grok.URL}, stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 0 {
		t.Fatalf("logout --server: exit %d\n%s", code, errOut.String())
	}

	assertNoSecrets(t, []string{key1, key2, key3}, map[string]string{
		"login output": out.String() + errOut.String(),
	}, env.Home)
}

// assertNoSecrets fails when any secret appears in the texts or in any file
// under the folders (settings, logs, RRD files, cursors, CSV).
func assertNoSecrets(t *testing.T, secrets []string, texts map[string]string, dirs ...string) {
	t.Helper()
	for what, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains an API key", what)
			}
		}
	}
	files := 0
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			// The keyring's own store holds the key, encrypted.
			if strings.Contains(path, filepath.Join("share", "keyrings")) {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("unreadable file %s: %v", path, err)
				return nil
			}
			files++
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s contains an API key", path)
				}
			}
			return nil
		})
	}
	if files == 0 {
		t.Errorf("no files under %v to check: the check proves nothing", dirs)
	}
}

// TestHeadlessNeverAutolaunchesDBus: headless with a server and forwarding
// on, the app wants the API key; without a session bus it says that no
// keyring is available and goes on, and no dbus-daemon or
// gnome-keyring-daemon is left behind (the keyring library used to
// autolaunch both at every start, and they outlived Rogue).
func TestHeadlessNeverAutolaunchesDBus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the rogue binary for a few seconds")
	}
	testpeer.Need(t, "dbus-launch") // what godbus autolaunches with
	env := newTestEnv(t, nil)
	s := defaultSettings()
	s.Server = "http://127.0.0.1:9"
	s.Forwarding = true
	writeSettings(t, env, s)
	mark := "ROGUE_TEST_MARK=" + strconv.FormatInt(time.Now().UnixNano(), 36)
	p := startHeadless(t, env, []string{mark})
	testpeer.WaitFor(t, 20*time.Second, "the keyring outcome logged", func() (bool, error) {
		out := p.out.String()
		return strings.Contains(out, "no keyring is available") || strings.Contains(out, "Grok models"), nil
	})
	if !strings.Contains(p.out.String(), "no keyring is available") {
		t.Errorf("no word about the missing keyring:\n%s", p.out.String())
	}
	if strings.Contains(p.out.String(), "forwarding is off") {
		t.Errorf("forwarding is on, yet the log says it is off:\n%s", p.out.String())
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	if left := daemonsWithMark(t, mark); len(left) > 0 {
		for _, d := range left {
			if pid, err := strconv.Atoi(strings.TrimSuffix(d[strings.LastIndex(d, " ")+1:], ")")); err == nil {
				syscall.Kill(pid, syscall.SIGTERM)
			}
		}
		t.Errorf("processes started for rogue and left behind: %v", left)
	}
}

// daemonsWithMark returns the pids of dbus-daemon, dbus-launch and
// gnome-keyring-daemon processes whose environment holds mark: the ones
// started on behalf of a process given that environment.
func daemonsWithMark(t *testing.T, mark string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		switch name := strings.TrimSpace(string(comm)); name {
		case "dbus-daemon", "dbus-launch", "gnome-keyring-d", "gnome-keyring-daemon":
			env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			if err == nil && bytes.Contains(env, []byte(mark)) {
				found = append(found, name+" (pid "+e.Name()+")")
			}
		}
	}
	return found
}

// TestLoginWithoutDBusSaysWhatToDo: without a session bus, login and
// logout say how to get a keyring (desktop session, or dbus-run-session
// with gnome-keyring-daemon --unlock) and exit 1.
func TestLoginWithoutDBusSaysWhatToDo(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no bus socket there
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	const server = "https://grok.example.com"
	for _, cmd := range []string{"login", "logout"} {
		args := []string{cmd, "--server", server}
		if cmd == "login" {
			args = append(args, "--no-verify")
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), args, stdio{In: strings.NewReader("sekrit\n"), Out: &out, Err: &errb})
		msg := errb.String()
		if code != 1 {
			t.Errorf("%s: exit %d, want 1\n%s", cmd, code, msg)
		}
		for _, want := range []string{"no D-Bus session bus", "desktop session", "dbus-run-session -- bash -c", "gnome-keyring-daemon --unlock --components=secrets", "rogue " + cmd + " --server " + server + "'"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", cmd, want, msg)
			}
		}
		if strings.Contains(msg, "sekrit") {
			t.Errorf("%s: the key is in the message:\n%s", cmd, msg)
		}
	}
}
