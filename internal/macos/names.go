package macos

// Settings names the settings app and its privacy section as a macOS
// version calls them: "System Settings › Privacy & Security" from macOS 13
// on, "System Preferences › Security & Privacy › Privacy" before.
type Settings struct {
	App     string // "System Settings" or "System Preferences"
	Privacy string // the privacy section's path inside App
}

// SettingsFor returns the names macOS version major uses; 0 (unknown)
// gives the current names.
func SettingsFor(major int) Settings {
	if major > 0 && major < 13 {
		return Settings{App: "System Preferences", Privacy: "Security & Privacy › Privacy"}
	}
	return Settings{App: "System Settings", Privacy: "Privacy & Security"}
}

// Path names a privacy pane in full, e.g. "System Settings › Privacy &
// Security › Input Monitoring".
func (s Settings) Path(pane string) string {
	return s.App + " › " + s.Privacy + " › " + pane
}

// OpenButton is the label of a button that opens the settings app.
func (s Settings) OpenButton() string { return "Open " + s.App }
