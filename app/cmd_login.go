package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/rogue-metrics/rogue/sync"
)

func init() {
	register(command{Name: "login", Summary: "store a Grok server's API key in the keychain", Run: runLogin})
	register(command{Name: "logout", Summary: "remove a Grok server's API key from the keychain", Run: runLogout})
}

// settingsPath is where the menu-bar app keeps its settings.
func settingsPath() (string, error) {
	d, err := defaultDirs()
	if err != nil {
		return "", err
	}
	return filepath.Join(d.Config, settingsFile), nil
}

func runLogin(ctx context.Context, args []string, io stdio) int {
	fs := newFlagSet("rogue login", io.Err)
	server := fs.String("server", "", "Grok server `URL`, e.g. https://grok.example.com (default: the server in the settings)")
	noVerify := fs.Bool("no-verify", false, "store the key without checking it with the server")
	caFile := fs.String("ca-file", "", "PEM `file` of extra certificates to trust (self-signed servers); saved in the settings")
	pin := fs.String("pin", "", "SHA-256 `fingerprint` of the server's certificate to accept; saved in the settings")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server")
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: rogue login [--server URL] [flags]\n\n"+
			"Reads the Grok API key from the terminal (without echo) or, when standard\n"+
			"input is not a terminal, from its first line; checks it with the server and\n"+
			"stores it in the keychain (Secret Service on Linux) under the service\n"+
			"\"Rogue\". The key is never taken from the command line.\n\n"+
			"A server certificate that does not verify (a self-signed Grok) is shown,\n"+
			"its SHA-256 fingerprint and what is wrong with it, and you are asked on the\n"+
			"terminal whether to trust it; trusted, it is pinned in the settings and any\n"+
			"other certificate from that server is refused.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	// An argument is not repeated: it may well be the key itself.
	if code, ok := parseFlags(fs, args, func(string) string {
		return "unexpected argument (the key is read from the terminal or standard input, never from the command line)"
	}); !ok {
		return code
	}

	path, err := settingsPath()
	if err != nil {
		fmt.Fprintf(io.Err, "rogue login: %v\n", err)
		return 1
	}
	s, err := loadSettings(path, time.Now())
	keepFile := false
	if err != nil {
		fmt.Fprintf(io.Err, "rogue login: warning: %v\n", err)
		var bad *badSettingsError
		var badFields *badFieldsError
		keepFile = errors.As(err, &bad) && bad.Aside == "" || errors.As(err, &badFields) && badFields.Aside == ""
	}
	url, ok := serverURL(io.Err, "rogue login", *server, s.Server)
	if !ok {
		return 2
	}
	if *caFile != "" {
		if s.CAFile, err = filepath.Abs(*caFile); err != nil {
			fmt.Fprintf(io.Err, "rogue login: %v\n", err)
			return 2
		}
	}
	if *pin != "" {
		if _, err := sync.ParseFingerprint(*pin); err != nil {
			fmt.Fprintf(io.Err, "rogue login: --pin: %v\n", err)
			return 2
		}
		s.PinSHA256 = *pin
	}

	key, err := readAPIKey(io, url)
	if err != nil {
		fmt.Fprintf(io.Err, "rogue login: %v\n", err)
		return 1
	}
	newPin := ""
	if !*noVerify {
		fmt.Fprintf(io.Err, "Checking the key with %s…\n", url)
		pinned, err := verifyKeyTrusting(ctx, url, key, s, *timeout, askTerminal)
		if err != nil {
			fmt.Fprintf(io.Err, "rogue login: %v\nThe key was not stored.\n", err)
			var ue *sync.UntrustedCertError
			if errors.As(err, &ue) && !errors.Is(err, errNotTrusted) {
				fmt.Fprintf(io.Err, "After checking the fingerprint with the server's administrator, trust it with:\n  rogue login --server %s --pin %s\n", url, ue.Fingerprint)
			}
			return 1
		}
		if pinned != s.PinSHA256 {
			newPin, s.PinSHA256 = pinned, pinned
			fmt.Fprintf(io.Err, "Trusted the certificate with SHA-256 %s for %s; any other certificate will be refused.\n", pinned, url)
		}
	}
	if err := saveAPIKey(url, key); err != nil {
		fmt.Fprintf(io.Err, "rogue login: %v\n", err)
		if errors.Is(err, errNoKeyring) {
			fmt.Fprint(io.Err, noKeyringAdvice("rogue login", url))
		}
		return 1
	}
	if keepFile {
		fmt.Fprintf(io.Err, "rogue login: the key is stored, but %s is unreadable and was left as it is; the server is not saved\n", path)
	} else if s.Server != url || *caFile != "" || *pin != "" || newPin != "" {
		s.Server = url
		if err := s.save(path); err != nil {
			fmt.Fprintf(io.Err, "rogue login: the key is stored, but the settings were not saved: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(io.Out, "Stored the API key for %s in the keychain.\n", url)
	return 0
}

// serverURL returns the normalized URL of the server given on the command
// line or else saved in the settings. Without either, or with a bad URL, it
// reports a usage error for cmd to w and returns false (exit status 2).
func serverURL(w io.Writer, cmd, given, saved string) (string, bool) {
	raw := given
	if raw == "" {
		raw = saved
	}
	if raw == "" {
		fmt.Fprintf(w, "%s: no server: use --server URL\n", cmd)
		return "", false
	}
	url, err := normalizeServer(raw)
	if err != nil {
		fmt.Fprintf(w, "%s: %v\n", cmd, err)
		return "", false
	}
	return url, true
}

// verifyKey checks key with the server's API.
func verifyKey(ctx context.Context, server, key string, s settings, timeout time.Duration) error {
	c, err := sync.NewClient(server, key, sync.ClientOptions{CAFile: s.CAFile, PinSHA256: s.PinSHA256, Timeout: timeout})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.Verify(ctx)
}

// openTTY opens the terminal that questions are asked on; a variable for
// tests.
var openTTY = func() (io.ReadWriteCloser, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// askTerminal asks on the terminal, as ssh does, whether to trust the
// certificate described by message; only "yes" trusts it.
func askTerminal(ctx context.Context, message string) (bool, error) {
	tty, err := openTTY()
	if err != nil {
		return false, errors.New("no terminal to ask on")
	}
	defer tty.Close()
	fmt.Fprintf(tty, "%s\n\nTrust this certificate (yes/no)? ", message)
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("no answer: %w", err)
	}
	return strings.EqualFold(strings.TrimSpace(line), "yes"), nil
}

// maxKeyLen bounds the key read from standard input.
const maxKeyLen = 4096

// readAPIKey reads the key without echo from the terminal, or from the first
// line of standard input when that is not a terminal.
func readAPIKey(io stdio, server string) (string, error) {
	var key string
	if f, ok := io.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(io.Err, "API key for %s: ", server)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(io.Err)
		if err != nil {
			return "", fmt.Errorf("read key: %w", err)
		}
		key = string(b)
	} else {
		line, err := bufio.NewReaderSize(limitReader(io.In, maxKeyLen+2), maxKeyLen+2).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no API key on standard input")
		}
		key = line
	}
	key = strings.TrimSpace(key)
	switch {
	case key == "":
		return "", errors.New("the API key is empty")
	case len(key) > maxKeyLen:
		return "", fmt.Errorf("the API key is longer than %d bytes", maxKeyLen)
	case strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", errors.New("the API key contains control characters")
	}
	return key, nil
}

func limitReader(r io.Reader, n int64) io.Reader { return io.LimitReader(r, n) }

func runLogout(ctx context.Context, args []string, io stdio) int {
	fs := newFlagSet("rogue logout", io.Err)
	server := fs.String("server", "", "Grok server `URL` whose key to remove (default: the server in the settings)")
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: rogue logout [--server URL]\n\nRemoves the server's API key from the keychain.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, nil); !ok {
		return code
	}
	saved := ""
	if *server == "" {
		path, err := settingsPath()
		if err != nil {
			fmt.Fprintf(io.Err, "rogue logout: %v\n", err)
			return 1
		}
		s, err := loadSettings(path, time.Now())
		if err != nil {
			fmt.Fprintf(io.Err, "rogue logout: warning: %v\n", err)
		}
		saved = s.Server
	}
	url, ok := serverURL(io.Err, "rogue logout", *server, saved)
	if !ok {
		return 2
	}
	if err := deleteAPIKey(url); err != nil {
		fmt.Fprintf(io.Err, "rogue logout: %v\n", err)
		if errors.Is(err, errNoKeyring) {
			fmt.Fprint(io.Err, noKeyringAdvice("rogue logout", url))
		}
		return 1
	}
	fmt.Fprintf(io.Out, "Removed the API key for %s from the keychain.\n", url)
	return 0
}
