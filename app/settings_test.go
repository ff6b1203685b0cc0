package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/sync"
)

var testNow = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

func TestLoadSettingsMissingFileGivesDefaults(t *testing.T) {
	s, err := loadSettings(filepath.Join(t.TempDir(), settingsFile), testNow)
	if err != nil || s != defaultSettings() {
		t.Fatalf("loadSettings = %+v, %v; want defaults, nil", s, err)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", settingsFile)
	want := settings{Interval: 5, Heartbeat: 120, Server: "https://grok.example.com", Port: 2013,
		MetricPrefix: "laptop", Forwarding: true, CAFile: "/etc/ca.pem", PinSHA256: "AB:CD", DisplayInterval: 3}
	if err := want.save(path); err != nil {
		t.Fatal(err)
	}
	got, err := loadSettings(path, testNow)
	if err != nil || got != want {
		t.Fatalf("loadSettings = %+v, %v; want %+v", got, err, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("settings mode %v, want 0600", fi.Mode().Perm())
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only %s", len(entries), settingsFile)
	}
}

func TestLoadSettingsMissingFieldsTakeDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), settingsFile)
	os.WriteFile(path, []byte(`{"forwarding": true, "unknown_future_field": 1}`), 0o600)
	s, err := loadSettings(path, testNow)
	want := defaultSettings()
	want.Forwarding = true
	if err != nil || s != want {
		t.Fatalf("loadSettings = %+v, %v; want %+v", s, err, want)
	}
}

func TestLoadSettingsUnusableFileKeptAside(t *testing.T) {
	tests := []struct {
		name, content string
	}{
		{"NotJSON", "{interval: 5"},
		{"TruncatedByCrash", `{"interval": 5, "serv`},
		{"Empty", ""},
		{"NotAnObject", `[1, 2]`},
		{"Null", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, settingsFile)
			os.WriteFile(path, []byte(tt.content), 0o600)
			s, err := loadSettings(path, testNow)
			if !errors.Is(err, errBadSettings) {
				t.Fatalf("err = %v, want errBadSettings", err)
			}
			if s != defaultSettings() {
				t.Errorf("settings %+v, want defaults", s)
			}
			aside := path + ".bad-20261125T093000Z"
			data, rerr := os.ReadFile(aside)
			if rerr != nil || string(data) != tt.content {
				t.Errorf("file not kept aside intact as %s: %q, %v", aside, data, rerr)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("bad file still in place: %v", err)
			}
			if !strings.Contains(err.Error(), filepath.Base(aside)) {
				t.Errorf("error %q does not say where the file went", err)
			}
		})
	}
}

// TestLoadSettingsBadFieldFallsBack: one field of the wrong type or out of
// range takes its default, with an error naming it; every other field is
// kept, and the file as it was is copied aside (the next save replaces it).
func TestLoadSettingsBadFieldFallsBack(t *testing.T) {
	const good = `"server": "https://grok.example.com", "port": 2013, "forwarding": true`
	tests := []struct {
		name, field, content string
	}{
		{"WrongType", "interval", `{"interval": "often", ` + good + `}`},
		{"ZeroInterval", "interval", `{"interval": 0, ` + good + `}`},
		{"NegativeHeartbeat", "heartbeat", `{"heartbeat": -1, ` + good + `}`},
		{"HeartbeatAsString", "heartbeat", `{"heartbeat": "600", ` + good + `}`},
		{"ForwardingAsString", "forwarding", `{"forwarding": "yes", "server": "https://grok.example.com", "port": 2013}`},
		{"PortOutOfRange", "port", `{"port": 70000, "server": "https://grok.example.com", "forwarding": true}`},
		{"ServerWithCredentials", "server", `{"server": "https://key@grok", "port": 2013, "forwarding": true}`},
		{"PrefixWithSpace", "metric_prefix", `{"metric_prefix": "my laptop", ` + good + `}`},
		{"PrefixWithNoBreakSpace", "metric_prefix", "{\"metric_prefix\": \"my\u00a0laptop\", " + good + "}"},
		{"PrefixWithUmlaut", "metric_prefix", `{"metric_prefix": "büro", ` + good + `}`},
		{"DisplayIntervalZero", "display_interval", `{"display_interval": 0, ` + good + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), settingsFile)
			os.WriteFile(path, []byte(tt.content), 0o600)
			s, err := loadSettings(path, testNow)
			var bad *badFieldsError
			if !errors.As(err, &bad) || !slices.Equal(bad.Names(), []string{tt.field}) {
				t.Fatalf("err = %v, want one bad field %q", err, tt.field)
			}
			if !strings.Contains(err.Error(), `"`+tt.field+`"`) {
				t.Errorf("error %q does not name the field", err)
			}
			want := defaultSettings()
			if tt.field != "server" {
				want.Server = "https://grok.example.com"
			}
			if tt.field != "port" {
				want.Port = 2013
			}
			if tt.field != "forwarding" {
				want.Forwarding = true
			}
			if s != want {
				t.Errorf("settings %+v, want %+v (the other fields kept)", s, want)
			}
			if data, err := os.ReadFile(path + ".bad-20261125T093000Z"); err != nil || string(data) != tt.content {
				t.Errorf("copy aside: %q, %v", data, err)
			}
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Errorf("the file was changed on load: %q", data)
			}
		})
	}
}

func TestLoadSettingsUnmovableFileSaysSo(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, settingsFile)
	os.WriteFile(path, []byte("garbage"), 0o600)
	// The name it would be kept under is taken by a non-empty folder, so
	// the rename fails (for root too).
	aside := path + ".bad-20261125T093000Z"
	os.MkdirAll(filepath.Join(aside, "x"), 0o700)
	s, err := loadSettings(path, testNow)
	var bad *badSettingsError
	if !errors.As(err, &bad) || bad.Aside != "" || bad.Move == nil {
		t.Fatalf("err = %#v, want a badSettingsError without Aside", err)
	}
	if s != defaultSettings() || !strings.Contains(err.Error(), "could not be moved aside") {
		t.Errorf("settings %+v, error %q", s, err)
	}
	if data, _ := os.ReadFile(path); string(data) != "garbage" {
		t.Errorf("the unreadable file was changed: %q", data)
	}
}

func TestSaveRefusesInvalidSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), settingsFile)
	s := defaultSettings()
	s.Interval = 0
	if err := s.save(path); err == nil {
		t.Fatal("save accepted interval 0")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an invalid settings file was written")
	}
}

// TestSaveReplacesAtomically checks that saving over an existing file never
// leaves a torn file: the old one stays intact until the new one is
// complete, and a failed save keeps the old one.
func TestSaveReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, settingsFile)
	old := defaultSettings()
	old.Server = "https://old.example"
	if err := old.save(path); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		os.Chmod(dir, 0o500) // no new files: the save must fail...
		s := old
		s.Server = "https://new.example"
		if err := s.save(path); err == nil {
			t.Error("save into a read-only folder succeeded")
		}
		os.Chmod(dir, 0o700)
		if got, err := loadSettings(path, testNow); err != nil || got != old {
			t.Errorf("after a failed save: %+v, %v; want the old settings", got, err) // ...and keep the old file
		}
	}
	s := old
	s.Server = "https://new.example"
	if err := s.save(path); err != nil {
		t.Fatal(err)
	}
	if got, _ := loadSettings(path, testNow); got != s {
		t.Errorf("after save: %+v, want %+v", got, s)
	}
}

func TestSettingsNeverHoldAKey(t *testing.T) {
	// The struct has no field for a key, and a URL with credentials is
	// refused, so no spelling of a key can reach the file.
	s := defaultSettings()
	s.Server = "https://apikey123@grok.example.com"
	if err := s.save(filepath.Join(t.TempDir(), settingsFile)); err == nil {
		t.Fatal("saved a server URL that carries credentials")
	}
}

// TestHugeIntervalIsRefused checks interval and heartbeat values that would
// overflow a time.Duration (about 9.2e9 s) when the agent is configured:
// the settings file is reported as unusable, the flags as usage errors,
// instead of a wrapped negative duration reaching the agent.
func TestHugeIntervalIsRefused(t *testing.T) {
	for _, tt := range []struct {
		name, json string
	}{
		{"IntervalOverflows", `{"interval": 10000000000}`},
		{"HeartbeatOverflows", `{"heartbeat": 9300000000}`},
		{"IntervalMaxInt", `{"interval": 9223372036854775807}`},
		{"HeartbeatAboveAYear", `{"heartbeat": 31536001}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := defaultSettings()
			if fields, err := parseSettings([]byte(tt.json), &s); err == nil && len(fields) == 0 {
				t.Errorf("parseSettings(%s) accepted interval %d, heartbeat %d", tt.json, s.Interval, s.Heartbeat)
			}
		})
	}
	s := defaultSettings()
	s.Interval, s.Heartbeat = maxSeconds, maxSeconds
	if err := s.validate(); err != nil {
		t.Errorf("a year as interval and heartbeat refused: %v", err)
	}

	for _, args := range [][]string{
		{"--interval", "10000000000"},
		{"--heartbeat", "10000000000"},
		{"--hearbeat", "9223372036854775807"},
	} {
		var stderr bytes.Buffer
		if _, code, ok := parseAppFlags(args, &stderr); ok || code != 2 {
			t.Errorf("rogue %v: ok %v, code %d; want a usage error", args, ok, code)
		}
		stderr.Reset()
		code := runAgent(context.Background(), append(args, "--prefix", t.TempDir()), stdio{In: strings.NewReader(""), Out: &stderr, Err: &stderr})
		if code != 2 {
			t.Errorf("rogue agent %v = %d, want 2 (usage); output %s", args, code, stderr.String())
		}
	}
}

// TestSettingsMetricPrefixAgreesWithForwarder: a metric prefix the settings
// accept must be one the forwarder takes, or newApp fails and Rogue does
// not start at all (instead of setting the file aside and using defaults).
func TestSettingsMetricPrefixAgreesWithForwarder(t *testing.T) {
	for _, p := range []string{"", "laptop", "rogue.laptop.", "lap\x00top", "x\x1b[31m", "del\x7f", "tab\there", "ünï", "lap\u00a0top"} {
		s := defaultSettings()
		s.MetricPrefix = p
		settingsErr := s.validate()
		_, fwdErr := sync.NewForwarder(sync.ForwardConfig{Prefix: t.TempDir(), MetricPrefix: p})
		if (settingsErr == nil) != (fwdErr == nil) {
			t.Errorf("metric prefix %q: settings say %v, the forwarder says %v", p, settingsErr, fwdErr)
		}
	}
}

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
