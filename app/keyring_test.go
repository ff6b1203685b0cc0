package main

import (
	"strings"
	"testing"
)

// pastedSecret stands for an API key a person pasted where it does not belong.
const pastedSecret = "S3CRETKEY42"

// TestNormalizeServerNeverRepeatsAPastedKey checks every way normalizeServer
// can fail: its message reaches the log and the menu, so a key pasted into
// the URL (as user, password, query, fragment) must not come back.
func TestNormalizeServerNeverRepeatsAPastedKey(t *testing.T) {
	for _, raw := range []string{
		"ftp://" + pastedSecret + "@grok.example.com",
		"htps://user:" + pastedSecret + "@grok.example.com",
		"https://" + pastedSecret + "@",
		"https://" + pastedSecret + ":@",
		"https://user:" + pastedSecret + "@grok.example.com:port",
		"https://user:" + pastedSecret + " x@grok.example.com",
		"https://user:" + pastedSecret + "/x@grok.example.com",
		"https://grok.example.com/?key=" + pastedSecret,
		"https://grok.example.com/#" + pastedSecret,
		"ftp://grok.example.com/?key=" + pastedSecret,
		"https:///?key=" + pastedSecret,
		"https://grok.example.com/%zz?key=" + pastedSecret,
	} {
		_, err := normalizeServer(raw)
		if err == nil {
			t.Errorf("normalizeServer(%q) accepted it", raw)
			continue
		}
		if strings.Contains(err.Error(), pastedSecret) {
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
