package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rogue-metrics/rogue/sync"
)

// reviewSecret stands for an API key a user pasted into the wrong place.
const reviewSecret = "S3CRETKEY42"

// TestNormalizeServerNeverRepeatsAPastedKey checks every way normalizeServer
// can fail: its message reaches the log and the menu, so a key pasted into
// the URL (as user, password, query, fragment) must not come back.
func TestNormalizeServerNeverRepeatsAPastedKey(t *testing.T) {
	for _, raw := range []string{
		"ftp://" + reviewSecret + "@grok.example.com",
		"htps://user:" + reviewSecret + "@grok.example.com",
		"https://" + reviewSecret + "@",
		"https://" + reviewSecret + ":@",
		"https://user:" + reviewSecret + "@grok.example.com:port",
		"https://user:" + reviewSecret + " x@grok.example.com",
		"https://user:" + reviewSecret + "/x@grok.example.com",
		"https://grok.example.com/?key=" + reviewSecret,
		"https://grok.example.com/#" + reviewSecret,
		"ftp://grok.example.com/?key=" + reviewSecret,
		"https:///?key=" + reviewSecret,
		"https://grok.example.com/%zz?key=" + reviewSecret,
	} {
		_, err := normalizeServer(raw)
		if err == nil {
			t.Errorf("normalizeServer(%q) accepted it", raw)
			continue
		}
		if strings.Contains(err.Error(), reviewSecret) {
			t.Errorf("normalizeServer(%q) error repeats the key: %v", raw, err)
		}
	}
}

// TestSafeServer checks what messages and dialog titles show of a URL.
func TestSafeServer(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://grok.example.com", "https://grok.example.com"},
		{" grok.example.com:8443/grok ", "grok.example.com:8443/grok"},
		{"https://key@grok", "https://…@grok"},
		{"key@grok", "…@grok"},
		{"https://u:p/q@grok/x", "https://…@grok/x"},
		{"https://grok/?key=k", "https://grok/…"},
		{"https://grok/#k", "https://grok/…"},
		{"ftp://u:k@grok/?a@b", "ftp://…@b"},
	} {
		if got := safeServer(tt.in); got != tt.want {
			t.Errorf("safeServer(%q) = %q, want %q", tt.in, got, tt.want)
		}
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
			if err := parseSettings([]byte(tt.json), &s); err == nil {
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
	for _, p := range []string{"", "laptop", "rogue.laptop.", "lap\x00top", "x\x1b[31m", "del\x7f", "tab\there", "ünï"} {
		s := defaultSettings()
		s.MetricPrefix = p
		settingsErr := s.validate()
		_, fwdErr := sync.NewForwarder(sync.ForwardConfig{Prefix: t.TempDir(), MetricPrefix: p})
		if (settingsErr == nil) != (fwdErr == nil) {
			t.Errorf("metric prefix %q: settings say %v, the forwarder says %v", p, settingsErr, fwdErr)
		}
	}
}
