// Package testpeer starts the real external programs Rogue's tests talk
// to — a private D-Bus session bus, GNOME Keyring's Secret Service, a
// Carbon cache, a virtual X server — on loopback ports and in temp
// folders, and stops them when the test ends.
//
// Every helper takes a testing.TB and registers its clean-up with
// TB.Cleanup. A missing program skips the test, or fails it when the
// environment variable CI is set (CI installs every peer).
package testpeer
