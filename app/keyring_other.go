//go:build !linux

package main

import "errors"

// errNoKeyring is returned (wrapped) by the keyring functions when no
// keyring can be reached.
var errNoKeyring = errors.New("no keyring available")

// keyringReady reports whether the keyring can be asked; outside Linux the
// system's keychain is always there.
func keyringReady() error { return nil }
