package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogue-metrics/rogue/sync"
)

// TestNewInstallMetricPrefix: a new install sends under the host's short
// name (two machines with the old empty default fed one Grok model);
// existing settings and folders the old tool forwarded from keep theirs.
func TestNewInstallMetricPrefix(t *testing.T) {
	host := func() (string, error) { return "Janes-MBP.local", nil }
	withCursor := t.TempDir()
	os.WriteFile(sync.CursorPath(withCursor, "CPUPercent", sync.Grok), []byte("1764000000"), 0o600)
	for _, tt := range []struct {
		name     string
		firstRun bool
		prefix   string
		host     func() (string, error)
		want     string
		ok       bool
	}{
		{"NewInstall", true, t.TempDir(), host, "Janes-MBP", true},
		{"SettingsExist", false, t.TempDir(), host, "", false},
		{"OldToolsCursors", true, withCursor, host, "", false},
		{"NoHostName", true, t.TempDir(), func() (string, error) { return "", errors.New("no name") }, "", false},
		{"HostNameWithNothingUsable", true, filepath.Join(t.TempDir(), "new"), func() (string, error) { return "…", nil }, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := newInstallMetricPrefix(tt.firstRun, tt.prefix, tt.host)
			if got != tt.want || ok != tt.ok {
				t.Errorf("newInstallMetricPrefix = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
