package sync

import (
	"strings"
	"testing"
)

// TestMetricNames: only [A-Za-z0-9._-] goes through, and the refusal names
// the character (a no-break space in a prefix used to send lines Grok's
// storer discarded while Rogue reported success).
func TestMetricNames(t *testing.T) {
	for _, tt := range []struct {
		prefix string
		bad    string // substring of the error; "" when valid
	}{
		{"", ""},
		{"laptop", ""},
		{"laptop.", ""},
		{"jane_s-MBP.home", ""},
		{"lap\u00a0top", "U+00A0"},
		{"lap top", "U+0020"},
		{"büro", "U+00FC"},
		{"a/b", "U+002F"},
		{"tab\t", "U+0009"},
		{"bad\xffutf8", "not valid UTF-8"},
		{"a..b", "part is empty"},
		{".a", "part is empty"},
	} {
		err := CheckMetricPrefix(tt.prefix)
		if (tt.bad == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.bad)) {
			t.Errorf("CheckMetricPrefix(%q) = %v, want %q", tt.prefix, err, tt.bad)
		}
	}
	if err := CheckMetricName(""); err == nil {
		t.Error("empty metric name accepted")
	}
	if _, err := NewForwarder(ForwardConfig{Prefix: t.TempDir(), MetricPrefix: "lap\u00a0top"}); err == nil || !strings.Contains(err.Error(), "U+00A0") {
		t.Errorf("NewForwarder with a no-break space in the prefix: %v", err)
	}
}

func TestHostPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"janes-mbp.local":     "janes-mbp",
		"Jane's MacBook Pro":  "Jane-s-MacBook-Pro",
		"build01":             "build01",
		"  web_2.example.com": "web_2",
		"---":                 "",
		"":                    "",
		"rechner-ü":           "rechner",
	} {
		if got := HostPrefix(in); got != want {
			t.Errorf("HostPrefix(%q) = %q, want %q", in, got, want)
		}
		if err := CheckMetricPrefix(HostPrefix(in)); err != nil {
			t.Errorf("HostPrefix(%q) gives an invalid prefix: %v", in, err)
		}
	}
}
