//go:build darwin

package tray

// setTitle does nothing on macOS, where a title would be drawn as text next
// to the icon in the menu bar.
func setTitle() {}
