package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/sync"
)

// certServer is a fake Grok over TLS whose certificate can be replaced.
type certServer struct {
	*httptest.Server
	cert atomic.Pointer[tls.Certificate]
}

func newCertServer(t *testing.T, key string) *certServer {
	s := &certServer{}
	c := testpeer.GrokStockCert(t, "localhost")
	s.cert.Store(&c)
	s.Server = httptest.NewUnstartedServer(fakeGrok(t, key).Config.Handler)
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Server.TLS = &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil }}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *certServer) fingerprint() string { return sync.CertFingerprint(s.cert.Load().Certificate[0]) }

// ttyScript stands in for /dev/tty: it answers with answer and keeps what
// was asked.
type ttyScript struct {
	io.Reader
	asked  bytes.Buffer
	opened int
}

func (s *ttyScript) Write(p []byte) (int, error) { return s.asked.Write(p) }
func (s *ttyScript) Close() error                { return nil }

// TestTrustOnFirstUse: Grok's stock certificate can only be trusted by a
// pin, and the dialog could not enter one. On first contact Rogue shows the
// fingerprint and what is wrong and asks (rogue login on the terminal, the
// app in a dialog); a yes pins it in the settings, a no or no way to ask
// stores nothing; a changed certificate is refused without asking.
func TestTrustOnFirstUse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dbus-daemon and gnome-keyring")
	}
	bus := testpeer.SessionBus(t)
	env := newTestEnv(t, bus)
	testpeer.Keyring(t, env.Bus, env.Environ())
	env.Setenv(t)
	const key = "grok-key-7c4a8d09ca3762af"
	srv := newCertServer(t, key)
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	fp := srv.fingerprint()
	path, _ := settingsPath()
	oldTTY := openTTY
	t.Cleanup(func() { openTTY = oldTTY })
	login := func(answer string, noTTY bool) (int, string, *ttyScript) {
		tty := &ttyScript{Reader: strings.NewReader(answer)}
		openTTY = func() (io.ReadWriteCloser, error) {
			if noTTY {
				return nil, errors.New("no tty")
			}
			tty.opened++
			return tty, nil
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"login", "--server", url}, stdio{In: strings.NewReader(key + "\n"), Out: &out, Err: &errb})
		return code, out.String() + errb.String(), tty
	}
	pinned := func() string {
		s, _ := loadSettings(path, time.Now())
		return s.PinSHA256
	}

	code, out, tty := login("no\n", false)
	if code != 1 || !strings.Contains(out, "not trusted") || pinned() != "" {
		t.Errorf("answered no: exit %d, pin %q\n%s", code, pinned(), out)
	}
	for _, want := range []string{fp, "it expired on 2015-06-01", "it is self-signed", "no subjectAltName", "1024-bit RSA", "SHA-1", "(yes/no)"} {
		if !strings.Contains(tty.asked.String(), want) {
			t.Errorf("question lacks %q:\n%s", want, tty.asked.String())
		}
	}
	if _, err := loadAPIKey(url); !errors.Is(err, errNoKey) {
		t.Errorf("key stored although the certificate was not trusted: %v", err)
	}
	code, out, _ = login("", true)
	if code != 1 || !strings.Contains(out, "rogue login --server "+url+" --pin "+fp) {
		t.Errorf("no terminal: exit %d\n%s", code, out)
	}
	code, out, _ = login("yes\n", false)
	if code != 0 || pinned() != fp || !strings.Contains(out, "Trusted the certificate with SHA-256 "+fp) {
		t.Fatalf("answered yes: exit %d, pin %q\n%s", code, pinned(), out)
	}
	if got, err := loadAPIKey(url); err != nil || got != key {
		t.Errorf("key after trusting: %v", err)
	}

	// The server's certificate changes: refused loudly, never asked.
	next := testpeer.GrokStockCert(t, "localhost")
	srv.cert.Store(&next)
	code, out, tty = login("yes\n", false)
	if code != 1 || tty.opened != 0 || !strings.Contains(out, "CHANGED") || !strings.Contains(out, srv.fingerprint()) || pinned() != fp {
		t.Errorf("changed certificate: exit %d, asked %d times, pin %q\n%s", code, tty.opened, pinned(), out)
	}

	// The app's Grok Server… dialog asks the same through the platform.
	srv.cert.Store(&next)
	for _, answer := range []bool{false, true} {
		s := defaultSettings()
		plat := &trustPlatform{answer: answer}
		logger := slog.New(slog.DiscardHandler)
		fwd, err := sync.NewForwarder(sync.ForwardConfig{Prefix: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		appPath := filepath.Join(t.TempDir(), settingsFile)
		a := &app{log: logger, fwdLog: logger, plat: plat, fwd: fwd, ctx: context.Background(), now: time.Now,
			settingsPath: appPath, saved: s, eff: s}
		_, err = a.setServer(url, key)
		saved, _ := loadSettings(appPath, time.Now())
		if len(plat.asked) != 1 || !strings.Contains(plat.asked[0], srv.fingerprint()) {
			t.Errorf("app asked %q", plat.asked)
		}
		if answer && (err != nil || saved.PinSHA256 != srv.fingerprint() || saved.Server != url) {
			t.Errorf("app, trusted: %v, settings %+v", err, saved)
		}
		if !answer && (err == nil || !strings.Contains(err.Error(), "not trusted") || saved.PinSHA256 != "") {
			t.Errorf("app, not trusted: %v, settings %+v", err, saved)
		}
	}
}

// trustPlatform answers the certificate question and records it.
type trustPlatform struct {
	accessPlatform
	answer bool
	mu     gosync.Mutex
	asked  []string
}

func (p *trustPlatform) AskTrust(ctx context.Context, message string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, message)
	return p.answer, nil
}
