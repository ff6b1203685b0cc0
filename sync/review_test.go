package sync

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const reviewSecret = "S3CRETKEY42"

// TestURLMessagesNeverRepeatAPastedKey checks the messages about bad server
// URLs, which reach the log and the menu: a key in the user information
// (also with an "@" further on in the path) or in the query must not come
// back.
func TestURLMessagesNeverRepeatAPastedKey(t *testing.T) {
	for _, raw := range []string{
		"https://u:" + reviewSecret + "@grok/a@b",
		"ftp://u:" + reviewSecret + "@grok/a@b",
		"ftp://grok/?key=" + reviewSecret,
		"https:///?key=" + reviewSecret,
		"ftp://grok/#" + reviewSecret,
	} {
		if got := redactURL(raw); strings.Contains(got, reviewSecret) {
			t.Errorf("redactURL(%q) = %q", raw, got)
		}
		if _, err := parseBaseURL(raw); err == nil || strings.Contains(err.Error(), reviewSecret) {
			t.Errorf("parseBaseURL(%q) error %v, want one without the key", raw, err)
		}
		if _, err := CarbonAddr(raw, 2003); err != nil && strings.Contains(err.Error(), reviewSecret) {
			t.Errorf("CarbonAddr(%q) error repeats the key: %v", raw, err)
		}
	}
}

// TestVerifyRefusesWhatIsNotGrok: a server answering 200 with a web page,
// garbage or a JSON object (a mistyped URL, a captive portal) must not
// pass for a Grok server that accepted the key, or "rogue login" stores
// the key and says all is well.
func TestVerifyRefusesWhatIsNotGrok(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		ok         bool
	}{
		{"HTML", "<html><body>Welcome to nginx!</body></html>", false},
		{"Garbage", "\x00\x01\x02 not json", false},
		{"Object", `{"result": "hello"}`, false},
		{"Empty", "", false},
		{"EmptyList", "[]", true},
		{"Null", "null", true},
		{"Metrics", `[{"uid":"u1","name":"CPUPercent","status":1}]`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, err := NewClient(srv.URL, reviewSecret, ClientOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Verify(context.Background())
			if (err == nil) != tt.ok {
				t.Errorf("Verify with a server answering %q: %v, want ok %v", tt.body, err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), reviewSecret) {
				t.Errorf("error repeats the key: %v", err)
			}
		})
	}
}
