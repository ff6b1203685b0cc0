package main

import (
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// errNoKeyring is returned (wrapped) by the keyring functions when no
// keyring can be reached: on Linux, when there is no D-Bus session bus.
var errNoKeyring = errors.New("no keyring available")

// keyringReady reports whether the Secret Service can be asked without
// starting anything. The keyring library connects with godbus, which, when
// DBUS_SESSION_BUS_ADDRESS is unset, autolaunches a private dbus-daemon
// (and, through it, a gnome-keyring-daemon) that outlive Rogue: one more
// pair at every headless start. Here only an existing session bus counts
// (the address in the environment, or $XDG_RUNTIME_DIR/bus), and it must
// answer; without one the key is simply not available.
func keyringReady() error {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return fmt.Errorf("keyring: %w: no D-Bus session bus (%v)", errNoKeyring, err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return fmt.Errorf("keyring: %w: the D-Bus session bus does not answer (%v)", errNoKeyring, err)
	}
	if err := conn.Hello(); err != nil {
		return fmt.Errorf("keyring: %w: the D-Bus session bus does not answer (%v)", errNoKeyring, err)
	}
	return nil
}

// newSecretStore returns the Secret Service (GNOME Keyring, KWallet)
// through go-keyring, asked only when a session bus is there (busKeyring).
func newSecretStore() secretStore { return busKeyring{goKeyring{service: keyringService}} }

// busKeyring asks its keyring only after keyringReady: go-keyring would
// otherwise autolaunch a D-Bus daemon and a keyring daemon.
type busKeyring struct{ goKeyring }

func (b busKeyring) Get(account string) (string, error) {
	if err := keyringReady(); err != nil {
		return "", err
	}
	return b.goKeyring.Get(account)
}

func (b busKeyring) Set(account, secret string) error {
	if err := keyringReady(); err != nil {
		return err
	}
	return b.goKeyring.Set(account, secret)
}

func (b busKeyring) Delete(account string) error {
	if err := keyringReady(); err != nil {
		return err
	}
	return b.goKeyring.Delete(account)
}

func (b busKeyring) Exists(account string) (bool, error) {
	if err := keyringReady(); err != nil {
		return false, err
	}
	return b.goKeyring.Exists(account)
}
