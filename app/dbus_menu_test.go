package main

// A client of the tray item that the app publishes on D-Bus: the
// StatusNotifierItem and its com.canonical.dbusmenu menu, driven the way a
// tray host (xfce4-panel, KDE, GNOME's AppIndicator extension) drives them.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// menuEntry is one item of the menu as GetLayout reports it.
type menuEntry struct {
	ID      int32
	Label   string
	Type    string // "separator" or ""
	Enabled bool
	Visible bool
	Toggle  string // "checkmark" for checkboxes
	Checked bool
}

// trayItem is the app's status item on the bus.
type trayItem struct {
	conn     *dbus.Conn
	name     string          // org.kde.StatusNotifierItem-<pid>-1
	menuPath dbus.ObjectPath // from the item's Menu property
}

// findTrayItem waits until the process pid has published its item and reads
// where its menu is.
func findTrayItem(t testing.TB, conn *dbus.Conn, pid int, timeout time.Duration) *trayItem {
	t.Helper()
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	testpeer.WaitName(t, conn, name, timeout)
	it := &trayItem{conn: conn, name: name}
	testpeer.WaitFor(t, timeout, "the item's Menu property", func() (bool, error) {
		v, err := conn.Object(name, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.Menu")
		if err != nil {
			return false, err
		}
		p, ok := v.Value().(dbus.ObjectPath)
		it.menuPath = p
		return ok && p.IsValid(), nil
	})
	return it
}

// property reads one property of the StatusNotifierItem.
func (it *trayItem) property(name string) (dbus.Variant, error) {
	return it.conn.Object(it.name, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem." + name)
}

// layout returns the menu's top-level entries (GetLayout of the root, all
// levels, all properties).
func (it *trayItem) layout() ([]menuEntry, error) {
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	err := it.conn.Object(it.name, it.menuPath).Call("com.canonical.dbusmenu.GetLayout", 0,
		int32(0), int32(-1), []string{}).Store(&rev, &root)
	if err != nil {
		return nil, err
	}
	var out []menuEntry
	for _, c := range root.Children {
		fields, ok := c.Value().([]any)
		if !ok || len(fields) != 3 {
			return nil, fmt.Errorf("unexpected child %v", c)
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		e := menuEntry{ID: id, Enabled: true, Visible: true}
		for k, v := range props {
			switch k {
			case "label":
				e.Label, _ = v.Value().(string)
			case "type":
				e.Type, _ = v.Value().(string)
			case "enabled":
				e.Enabled, _ = v.Value().(bool)
			case "visible":
				e.Visible, _ = v.Value().(bool)
			case "toggle-type":
				e.Toggle, _ = v.Value().(string)
			case "toggle-state":
				n, _ := v.Value().(int32)
				e.Checked = n == 1
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// entry returns the visible entry whose label starts with prefix.
func (it *trayItem) entry(prefix string) (menuEntry, error) {
	entries, err := it.layout()
	if err != nil {
		return menuEntry{}, err
	}
	for _, e := range entries {
		if e.Visible && strings.HasPrefix(e.Label, prefix) {
			return e, nil
		}
	}
	return menuEntry{}, fmt.Errorf("no visible entry %q in %s", prefix, labels(entries))
}

// waitEntry waits until an entry starting with prefix satisfies cond.
func (it *trayItem) waitEntry(t testing.TB, prefix string, timeout time.Duration, what string, cond func(menuEntry) bool) menuEntry {
	t.Helper()
	var got menuEntry
	testpeer.WaitFor(t, timeout, what, func() (bool, error) {
		e, err := it.entry(prefix)
		got = e
		return err == nil && cond(e), err
	})
	return got
}

// click sends the "clicked" event a tray host sends when the user picks the
// entry.
func (it *trayItem) click(t testing.TB, prefix string) {
	t.Helper()
	if label, err := it.sendClick(t, prefix); err != nil {
		t.Fatalf("click %q: %v", label, err)
	}
}

// clickQuit clicks the entry that ends the app. The app may exit before
// its D-Bus library has sent the reply to the click, and the bus then
// answers NoReply on its behalf (a tray host ignores Event's reply); any
// other error fails the test. The caller checks that the app exits and how.
func (it *trayItem) clickQuit(t testing.TB, prefix string) {
	t.Helper()
	label, err := it.sendClick(t, prefix)
	var de dbus.Error
	if err != nil && !(errors.As(err, &de) && de.Name == "org.freedesktop.DBus.Error.NoReply") {
		t.Fatalf("click %q: %v", label, err)
	}
}

// sendClick sends "clicked" to the enabled entry whose label starts with
// prefix and returns its label and the call's error.
func (it *trayItem) sendClick(t testing.TB, prefix string) (string, error) {
	t.Helper()
	e, err := it.entry(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Enabled {
		t.Fatalf("entry %q is disabled", e.Label)
	}
	call := it.conn.Object(it.name, it.menuPath).Call("com.canonical.dbusmenu.Event", 0,
		e.ID, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	return e.Label, call.Err
}

func labels(entries []menuEntry) string {
	var b strings.Builder
	for _, e := range entries {
		if e.Type == "separator" {
			b.WriteString("\n  ----")
			continue
		}
		fmt.Fprintf(&b, "\n  %q", e.Label)
		if !e.Visible {
			b.WriteString(" (hidden)")
		}
		if e.Toggle != "" {
			fmt.Fprintf(&b, " [checked=%v]", e.Checked)
		}
	}
	return b.String()
}
