//go:build !darwin

package tray

import "fyne.io/systray"

// setTitle names the status item. On Linux the title becomes the
// StatusNotifierItem's Title and Id, which tray hosts show and remember.
func setTitle() { systray.SetTitle("Rogue") }
