//go:build darwin

package main

import "context"

// trayCheck reports nothing on macOS: the menu bar is always there for a
// process that runs in a login session.
func trayCheck(context.Context) (problem, warning string) { return "", "" }
