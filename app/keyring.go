package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// The Grok API key is kept in the login keychain (macOS, service
// com.rogue-metrics.Rogue, label "Rogue") or the Secret Service (Linux:
// GNOME Keyring, KWallet; service "Rogue"), with the server URL as the
// account, and nowhere else: not in settings, logs, argv or CSV. See
// keystore.go.
const keyringService = "Rogue"

// errNoKey is returned by loadAPIKey when no key is stored for the server.
var errNoKey = errors.New("no API key stored")

// saveAPIKey stores key for server, replacing any key stored before.
func saveAPIKey(server, key string) error {
	if key == "" {
		return errors.New("keyring: empty API key")
	}
	if err := apiKeys.Set(server, key); errors.Is(err, errNoKeyring) {
		return err
	} else if err != nil {
		return fmt.Errorf("keyring: store key for %s: %w", server, err)
	}
	return nil
}

// loadAPIKey returns the key stored for server, or errNoKey; errNoKeyring
// when no keyring can be reached (nothing is started to reach one).
func loadAPIKey(server string) (string, error) {
	key, err := apiKeys.Get(server)
	if errors.Is(err, errNoKey) {
		return "", fmt.Errorf("keyring: %s: %w", server, errNoKey)
	}
	if errors.Is(err, errNoKeyring) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("keyring: read key for %s: %w", server, err)
	}
	return key, nil
}

// deleteAPIKey removes the key stored for server; a missing key is not an
// error.
func deleteAPIKey(server string) error {
	if err := apiKeys.Delete(server); errors.Is(err, errNoKeyring) {
		return err
	} else if err != nil {
		return fmt.Errorf("keyring: delete key for %s: %w", server, err)
	}
	return nil
}

// normalizeServer turns what a user typed as the Grok server into the URL
// Rogue stores: "grok.example.com" becomes "https://grok.example.com"; the
// scheme and host are lower-cased and a trailing slash dropped, so that one
// server always maps to one keyring account. Credentials, queries and
// fragments are refused: an API key must never end up in the settings file
// as part of a URL.
func normalizeServer(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("server URL is empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	// Error messages reach the log and the menu: they quote the URL only
	// without credentials, query or fragment, where a key may have been
	// pasted.
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it repeats the whole URL
		}
		if strings.Contains(s, "@") {
			return "", fmt.Errorf("server URL %q: not a valid URL (and it must not contain a user name or key)", safeServer(raw))
		}
		return "", fmt.Errorf("server URL %q: %w", safeServer(raw), err)
	}
	switch {
	case u.User != nil:
		return "", fmt.Errorf("server URL: must not contain a user name or key (the key is asked for separately)")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("server URL %q: scheme must be https or http", safeServer(raw))
	case u.Hostname() == "":
		return "", fmt.Errorf("server URL %q: no host", safeServer(raw))
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", fmt.Errorf("server URL %q: must not have a query or fragment", safeServer(raw))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// safeServer returns a server URL as typed, for messages, dialog titles and
// logs: user information (a key pasted as "key@host" or "user:key@host"),
// the query and the fragment are replaced by "…".
func safeServer(raw string) string {
	s := strings.TrimSpace(raw)
	start := 0
	if j := strings.Index(s, "://"); j >= 0 {
		start = j + 3
	}
	// The user information ends at the last "@" of the authority; as a
	// password may hold a "/", "?" or "#" (which url.Parse then misreads),
	// everything up to the last "@" is hidden, also an "@" in a path.
	if at := strings.LastIndex(s[start:], "@"); at >= 0 {
		s = s[:start] + "…" + s[start+at:]
	}
	if q := strings.IndexAny(s[start:], "?#"); q >= 0 {
		s = s[:start+q] + "…"
	}
	return s
}

// noKeyringAdvice says what to do when cmd ("rogue login", "rogue logout")
// finds no keyring (errNoKeyring): there is no D-Bus session bus, as over
// SSH or on a server. GNOME Keyring started with --unlock in a session of
// its own keeps the key in ~/.local/share/keyrings, and a later session
// unlocked with the same password finds it again.
func noKeyringAdvice(cmd, server string) string {
	return "The key lives in the Secret Service, which needs a D-Bus session: run\n" +
		"this in your desktop session. On a server without one, start a session\n" +
		"bus and an unlocked GNOME Keyring for the command (the same password\n" +
		"opens the keyring again for rogue --headless):\n" +
		"  dbus-run-session -- bash -c 'read -rsp \"Keyring password: \" pw; echo\n" +
		"    printf %s \"$pw\" | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n" +
		"    " + cmd + " --server " + server + "'\n"
}
