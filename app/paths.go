package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// Folders Rogue keeps its files in. The platform files (paths_linux.go,
// paths_darwin.go) supply baseDirs.
//
//	data   RRD files and cursors (the default --prefix is data/db)
//	config settings.json, the instance lock
//	logs   log files of the menu-bar app (empty: stderr only)
type dirs struct {
	Data, Config, Logs string
}

// defaultDirs returns the platform's folders for Rogue, without creating them.
func defaultDirs() (dirs, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return dirs{}, fmt.Errorf("no home folder: %w", err)
	}
	return baseDirs(home, os.Getenv), nil
}

// defaultPrefix is the default --prefix: the db folder inside the data folder.
func defaultPrefix() (string, error) {
	d, err := defaultDirs()
	if err != nil {
		return "", err
	}
	return filepath.Join(d.Data, "db"), nil
}
