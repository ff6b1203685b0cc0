package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/zalando/go-keyring"
)

// The Grok API key is kept in the login keychain (macOS) or the Secret
// Service (Linux: GNOME Keyring, KWallet) under service "Rogue", with the
// server URL as the account, and nowhere else: not in settings, logs, argv
// or CSV.
const keyringService = "Rogue"

// errNoKey is returned by loadAPIKey when no key is stored for the server.
var errNoKey = errors.New("no API key stored")

// saveAPIKey stores key for server, replacing any key stored before.
func saveAPIKey(server, key string) error {
	if key == "" {
		return errors.New("keyring: empty API key")
	}
	if err := keyring.Set(keyringService, server, key); err != nil {
		return fmt.Errorf("keyring: store key for %s: %w", server, err)
	}
	return nil
}

// loadAPIKey returns the key stored for server, or errNoKey.
func loadAPIKey(server string) (string, error) {
	key, err := keyring.Get(keyringService, server)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", fmt.Errorf("keyring: %s: %w", server, errNoKey)
	}
	if err != nil {
		return "", fmt.Errorf("keyring: read key for %s: %w", server, err)
	}
	return key, nil
}

// deleteAPIKey removes the key stored for server; a missing key is not an
// error.
func deleteAPIKey(server string) error {
	err := keyring.Delete(keyringService, server)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
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
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("server URL %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("server URL %q: scheme must be https or http", raw)
	case u.Hostname() == "":
		return "", fmt.Errorf("server URL %q: no host", raw)
	case u.User != nil:
		return "", fmt.Errorf("server URL: must not contain a user name or key (the key is asked for separately)")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", fmt.Errorf("server URL %q: must not have a query or fragment", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}
