package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/godbus/dbus/v5"
)

// trayCheck looks for what the Linux tray needs before the tray library is
// started (which, without a session bus, would only log and show nothing).
// problem is non-empty when no menu can be shown at all: no D-Bus session
// bus. warning is non-empty when the bus is there but no tray host
// (StatusNotifierWatcher) is: the item is published anyway and appears as
// soon as a host starts.
func trayCheck(ctx context.Context) (problem, warning string) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// The bus library would fall back to $XDG_RUNTIME_DIR/bus, then try
		// to launch a bus with dbus-launch, which needs X; check the first
		// here and never do the second.
		rt := os.Getenv("XDG_RUNTIME_DIR")
		sock := filepath.Join(rt, "bus")
		if fi, err := os.Stat(sock); rt == "" || err != nil || fi.Mode()&os.ModeSocket == 0 {
			return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)", ""
		}
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+sock)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return "cannot reach the D-Bus session bus: " + err.Error(), ""
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	if err != nil {
		return "the D-Bus session bus does not answer: " + err.Error(), ""
	}
	if !has {
		return "", "no tray host on the session bus yet (no StatusNotifierWatcher); the menu appears when one starts"
	}
	return "", ""
}
