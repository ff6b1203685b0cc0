package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/zalando/go-keyring"
)

// secretStore keeps one secret per account (the Grok server URL) for one
// service. The platform's store is apiKeys: on Linux the Secret Service
// through go-keyring; on macOS the login keychain through Security.framework,
// migrating items that older versions of Rogue made through go-keyring.
type secretStore interface {
	// Get returns the secret for account, or an error matching errNoKey.
	Get(account string) (string, error)
	// Set stores secret for account, replacing any stored before.
	Set(account, secret string) error
	// Delete removes the secret for account; a missing one is no error.
	Delete(account string) error
	// Exists reports whether a secret is stored for account without
	// reading it (on macOS: without a keychain prompt).
	Exists(account string) (bool, error)
}

// apiKeys is where the Grok API key lives.
var apiKeys = newSecretStore()

// goKeyring is a secretStore on github.com/zalando/go-keyring: the Secret
// Service on Linux; on macOS the login keychain through /usr/bin/security,
// which is how Rogue stored keys there before (legacy only, see
// migratingStore).
type goKeyring struct{ service string }

func (g goKeyring) Get(account string) (string, error) {
	s, err := keyring.Get(g.service, account)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", errNoKey
	}
	return s, err
}

func (g goKeyring) Set(account, secret string) error { return keyring.Set(g.service, account, secret) }

func (g goKeyring) Delete(account string) error {
	if err := keyring.Delete(g.service, account); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	return nil
}

func (g goKeyring) Exists(account string) (bool, error) {
	_, err := g.Get(account)
	if errors.Is(err, errNoKey) {
		return false, nil
	}
	return err == nil, err
}

// migratingStore keeps secrets in primary and moves any it finds only in
// legacy over on the first read: it reads the legacy item once, re-creates
// it in primary and then deletes the legacy one. Should the re-creation
// fail, the legacy item stays and the secret is still returned, so nothing
// is lost and the move is tried again next time.
type migratingStore struct {
	primary, legacy secretStore
	log             *slog.Logger
}

func (m migratingStore) logger() *slog.Logger {
	if m.log != nil {
		return m.log
	}
	return slog.Default()
}

func (m migratingStore) Get(account string) (string, error) {
	s, err := m.primary.Get(account)
	if !errors.Is(err, errNoKey) {
		return s, err
	}
	s, lerr := m.legacy.Get(account)
	switch {
	case errors.Is(lerr, errNoKey):
		return "", err
	case lerr != nil:
		// The legacy store is only a fallback: its failure (the security
		// tool missing, a cancelled prompt) means no key to migrate.
		m.logger().Warn("keyring: cannot read the key stored by an older Rogue", "account", account, "err", lerr)
		return "", err
	}
	if err := m.primary.Set(account, s); err != nil {
		m.logger().Warn("keyring: cannot move the key stored by an older Rogue; it stays where it is", "account", account, "err", err)
		return s, nil
	}
	if err := m.legacy.Delete(account); err != nil {
		m.logger().Warn("keyring: the key was moved, but the old copy could not be deleted", "account", account, "err", err)
	} else {
		m.logger().Info("keyring: moved the key stored by an older Rogue", "account", account)
	}
	return s, nil
}

func (m migratingStore) Set(account, secret string) error {
	if err := m.primary.Set(account, secret); err != nil {
		return err
	}
	// An old copy would be a second, stale key readable by other programs.
	if err := m.legacy.Delete(account); err != nil {
		m.logger().Warn("keyring: cannot delete the key stored by an older Rogue", "account", account, "err", err)
	}
	return nil
}

func (m migratingStore) Delete(account string) error {
	return errors.Join(m.primary.Delete(account), m.legacy.Delete(account))
}

func (m migratingStore) Exists(account string) (bool, error) {
	ok, err := m.primary.Exists(account)
	if ok || err != nil {
		return ok, err
	}
	ok, err = m.legacy.Exists(account)
	if err != nil {
		return false, fmt.Errorf("older Rogue's keychain item: %w", err)
	}
	return ok, nil
}
