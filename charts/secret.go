package charts

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// secretLen is the length of a new secret: 32 random bytes in hex.
const secretLen = 64

// LoadSecret returns the per-install secret kept in the file at path,
// creating the file (0600, its folder 0700) with a new random secret when
// there is none. A file others may read is made private again; one that is
// unusable (too short) is replaced.
func LoadSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		secret := strings.TrimSpace(string(b))
		if len(secret) >= 32 && !strings.ContainsAny(secret, " \t\r\n") {
			if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
				if err := os.Chmod(path, 0o600); err != nil {
					return "", fmt.Errorf("charts: make %s private: %w", path, err)
				}
			}
			return secret, nil
		}
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("charts: read secret: %w", err)
	}
	raw := make([]byte, secretLen/2)
	rand.Read(raw)
	secret := hex.EncodeToString(raw)
	if err := writePrivate(path, secret+"\n"); err != nil {
		return "", fmt.Errorf("charts: store secret: %w", err)
	}
	return secret, nil
}

// writePrivate replaces the file at path with data, 0600, atomically.
func writePrivate(path, data string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteAddress records, in the file at path (0600), the base URL of the
// running server (such as "http://127.0.0.1:41234/"), so that another
// process of the same person can find it with ReadAddress.
func WriteAddress(path, base string) error {
	if err := writePrivate(path, base+"\n"); err != nil {
		return fmt.Errorf("charts: record address: %w", err)
	}
	return nil
}

// ErrNotRunning is returned by ReadAddress when no server has recorded its
// address.
var ErrNotRunning = errors.New("charts: no running Rogue has recorded its charts address")

// ReadAddress returns the base URL WriteAddress recorded at path. It only
// accepts a loopback http URL.
func ReadAddress(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNotRunning
	}
	if err != nil {
		return "", fmt.Errorf("charts: read address: %w", err)
	}
	base := strings.TrimSpace(string(b))
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || !loopbackHost(u.Host, u.Port()) || u.Port() == "" || u.Path != "/" {
		return "", fmt.Errorf("charts: %s does not hold a loopback address: %.60q", path, base)
	}
	return base, nil
}

// OpenURL is the URL that signs a browser in: base with the secret as the
// key parameter. It is meant for the browser the person opens, never for
// logs.
func OpenURL(base, secret string) string {
	return base + "?" + KeyParam + "=" + url.QueryEscape(secret)
}

// WriteOpener writes, at path (0600), a small HTML file that sends the
// browser to the server at base with the secret: opening that file rather
// than the URL keeps the secret out of the command line of the browser
// launcher (open, xdg-open), where other users could see it.
func WriteOpener(path, base, secret string) error {
	u := html.EscapeString(OpenURL(base, secret))
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
		`<meta http-equiv="refresh" content="0;url=` + u + `"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">` +
		`<title>Rogue charts</title></head><body><p><a href="` + u + `">Open Rogue's charts</a></p></body></html>
`
	if err := writePrivate(path, page); err != nil {
		return fmt.Errorf("charts: write opener: %w", err)
	}
	return nil
}
