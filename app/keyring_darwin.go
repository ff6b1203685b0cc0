package main

import (
	"errors"

	"github.com/rogue-metrics/rogue/internal/macos"
)

// keychainService is the service of the keychain items Rogue makes through
// Security.framework: its bundle identifier, so that they never match the
// items older versions made through /usr/bin/security (service "Rogue"),
// whose access list trusts that tool instead of Rogue.
const keychainService = macos.BundleID

// newSecretStore returns the login keychain through Security.framework,
// moving a key that an older Rogue stored through go-keyring.
func newSecretStore() secretStore {
	return migratingStore{
		primary: macKeychain{macos.Keychain{Service: keychainService, Label: keyringService}},
		legacy:  goKeyring{service: keyringService},
	}
}

// macKeychain adapts macos.Keychain to secretStore.
type macKeychain struct{ k macos.Keychain }

func (m macKeychain) Get(account string) (string, error) {
	s, err := m.k.Get(account)
	if errors.Is(err, macos.ErrItemNotFound) {
		return "", errNoKey
	}
	return s, err
}

func (m macKeychain) Set(account, secret string) error    { return m.k.Set(account, secret) }
func (m macKeychain) Delete(account string) error         { return m.k.Delete(account) }
func (m macKeychain) Exists(account string) (bool, error) { return m.k.Exists(account) }
