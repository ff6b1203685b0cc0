package main

import "path/filepath"

// baseDirs follows the XDG base directory specification.
func baseDirs(home string, getenv func(string) string) dirs {
	xdg := func(env, def string) string {
		if v := getenv(env); filepath.IsAbs(v) {
			return v
		}
		return filepath.Join(home, def)
	}
	return dirs{
		Data:   filepath.Join(xdg("XDG_DATA_HOME", ".local/share"), "rogue"),
		Config: filepath.Join(xdg("XDG_CONFIG_HOME", ".config"), "rogue"),
		Logs:   filepath.Join(xdg("XDG_STATE_HOME", ".local/state"), "rogue"),
	}
}
