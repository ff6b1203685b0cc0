package main

import "path/filepath"

// baseDirs uses the folders macOS apps are expected to use.
func baseDirs(home string, _ func(string) string) dirs {
	support := filepath.Join(home, "Library", "Application Support", "Rogue")
	return dirs{
		Data:   support,
		Config: support,
		Logs:   filepath.Join(home, "Library", "Logs", "Rogue"),
	}
}
