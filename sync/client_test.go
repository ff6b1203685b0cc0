package sync

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/metric"
)

const testKey = "s3cr3t-API-key-7f9a"

// fakeGrok answers as Grok's own handlers do (numenta-apps
// grok/app/webservices: handlers.py AuthenticatedBaseHandler, responses.py,
// models_api.py ModelHandler; grok/app/quota.py): basic auth with the key as
// user name, a wrong key answered 400 {"result": "Invalid API Key"} (not
// 401: "browser auto-401 dialog is a bad user experience"), POST /_models
// answering 201 with the model list and returning the existing model for a
// monitored metric, 400 when only one of min and max is given, and, with
// limit set, the custom-metric quota check that runs before every model
// creation (also of a monitored metric): QuotaError, which the handler's
// catch-all turns into web.internalerror, 500 with the plain message
// "Server limit exceeded; edition=…; count=…; limit=…."; models named in
// failing come back in ERROR state with that message.
type fakeGrok struct {
	key       string
	mu        gosync.Mutex
	models    map[string]Model
	posts     []modelSpec
	limit     int               // instance quota; 0: none
	failing   map[string]string // metric name → message of its model in ERROR
	overQuota bool              // answer 403 as QuotaErrorResponse
}

func newFakeGrok(key string) *fakeGrok { return &fakeGrok{key: key, models: map[string]Model{}} }

func (g *fakeGrok) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	_ = pass // Grok ignores the password
	if !ok || user != g.key {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"result": "Invalid API Key"}`)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()

	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/_metrics/custom":
		var out []CustomMetric
		for _, m := range g.models {
			out = append(out, CustomMetric{UID: m.UID, Name: m.Name, Status: m.Status})
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodGet && r.URL.Path == "/_models":
		out := []Model{}
		for _, m := range g.models {
			out = append(out, m)
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && r.URL.Path == "/_models":
		var spec struct {
			Datasource string `json:"datasource"`
			MetricSpec struct {
				Metric, Resource, Unit string
			} `json:"metricSpec"`
			ModelParams map[string]*float64 `json:"modelParams"`
		}
		if err := json.NewDecoder(r.Body).Decode(&spec); err != nil || spec.Datasource != "custom" || spec.MetricSpec.Metric == "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"result": "bad model spec: %v"}`, err)
			return
		}
		if spec.ModelParams != nil && (spec.ModelParams["min"] == nil) != (spec.ModelParams["max"] == nil) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"result": "ValueError('min and max params must both be None or non-None')"}`)
			return
		}
		g.posts = append(g.posts, modelSpec{Datasource: spec.Datasource, MetricSpec: metricSpec{Metric: spec.MetricSpec.Metric, Resource: spec.MetricSpec.Resource, Unit: spec.MetricSpec.Unit}})
		if g.overQuota {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"result": "Instance quota reached"}`)
			return
		}
		if g.limit > 0 && len(g.models) >= g.limit {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "Server limit exceeded; edition=Standard; count=%d; limit=%d.", len(g.models), g.limit)
			return
		}
		m, ok := g.models[spec.MetricSpec.Metric]
		if !ok {
			m = Model{UID: fmt.Sprintf("uid%02d", len(g.models)), Name: spec.MetricSpec.Metric, Datasource: "custom", Server: spec.MetricSpec.Resource, Status: ModelCreatePending}
			if msg, bad := g.failing[m.Name]; bad {
				m.Status, m.Message = ModelError, msg
			}
			g.models[m.Name] = m
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode([]Model{m})
	default:
		http.NotFound(w, r)
	}
}

func assertNoKey(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Fatalf("error contains the API key: %v", err)
	}
}

func TestClient_VerifyAndModels(t *testing.T) {
	g := newFakeGrok(testKey)
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, err := NewClient(srv.URL, testKey, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := c.EnsureModels(ctx, "laptop", metric.All); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := c.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != len(metric.All) {
		t.Fatalf("%d models, want %d", len(ms), len(metric.All))
	}
	for _, m := range ms {
		if m.Server != "laptop" || m.StatusText() != "starting" {
			t.Errorf("model %+v", m)
		}
	}
	if len(g.posts) != 2*len(metric.All) || g.posts[0].MetricSpec != (metricSpec{Metric: "CPUPercent", Resource: "laptop", Unit: "%"}) {
		t.Fatalf("posts %+v", g.posts[:1])
	}
	cm, err := c.CustomMetrics(ctx)
	if err != nil || len(cm) != len(metric.All) {
		t.Fatalf("CustomMetrics = %d, %v", len(cm), err)
	}
}

// TestClient_GrokRefusals: each refusal Grok's code makes is said in plain
// words, and EnsureModels stops at the first instead of sending one request
// per metric.
func TestClient_GrokRefusals(t *testing.T) {
	for _, tt := range []struct {
		name   string
		key    string
		setup  func(g *fakeGrok)
		is     error
		words  string
		verify bool // Verify fails too
	}{
		{"WrongKeyIs400", "the-wrong-key", func(*fakeGrok) {}, ErrUnauthorized, `the API key was refused by 127.0.0.1`, true},
		{"OverQuota403", testKey, func(g *fakeGrok) { g.overQuota = true }, ErrQuota, "over quota: Instance quota reached", false},
		{"ServerLimit500", testKey, func(g *fakeGrok) { g.limit = 1; g.models["Other"] = Model{Name: "Other"} }, ErrServerLimit,
			"already monitors 1 of at most 1 instances (Standard edition)", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newFakeGrok(testKey)
			tt.setup(g)
			srv := httptest.NewServer(g)
			defer srv.Close()
			c, _ := NewClient(srv.URL, tt.key, ClientOptions{})
			err := c.Verify(context.Background())
			if tt.verify != (err != nil) || (err != nil && !errors.Is(err, tt.is)) {
				t.Errorf("Verify = %v", err)
			}
			assertNoKey(t, err)
			g.posts = nil
			err = c.EnsureModels(context.Background(), "laptop", metric.All)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.words) {
				t.Errorf("EnsureModels = %v; want %v saying %q", err, tt.is, tt.words)
			}
			if want := fmt.Sprintf("(%d more not requested)", len(metric.All)-1); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("EnsureModels = %v; want %q", err, want)
			}
			assertNoKey(t, err)
			if tt.key == testKey && len(g.posts) != 1 {
				t.Errorf("%d POST /_models after the first refusal, want 1", len(g.posts))
			}
		})
	}
}

// TestEnsureModels_ModelInError: a model Grok reports in ERROR state comes
// back as an error with Grok's message; the other models are still started.
func TestEnsureModels_ModelInError(t *testing.T) {
	g := newFakeGrok(testKey)
	g.failing = map[string]string{"KeyHold": "ValueError: min and max must differ"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, _ := NewClient(srv.URL, testKey, ClientOptions{})
	err := c.EnsureModels(context.Background(), "laptop", metric.All)
	var me *ModelsInErrorError
	if !errors.As(err, &me) || !errors.Is(err, ErrModel) || len(me.Models) != 1 ||
		err.Error() != "Grok's model for KeyHold is in ERROR: ValueError: min and max must differ" {
		t.Fatalf("EnsureModels = %v", err)
	}
	if len(g.posts) != len(metric.All) {
		t.Errorf("%d models requested, want all %d", len(g.posts), len(metric.All))
	}
}

func TestClient_ServerErrorEchoingTheKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "Traceback: bad request with headers Authorization: %s user=%s", r.Header.Get("Authorization"), testKey)
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, testKey, ClientOptions{})
	err := c.Verify(context.Background())
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("err = %v", err)
	}
	assertNoKey(t, err)
	if strings.Contains(err.Error(), "Basic ") && !strings.Contains(err.Error(), "Basic …") {
		t.Fatalf("error shows the credentials: %v", err)
	}
}

func TestClient_HugeBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("["))
		chunk := []byte(strings.Repeat(`{"name":"x"},`, 1000))
		for range 1000 { // 13 MB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, testKey, ClientOptions{})
	_, err := c.Models(context.Background())
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestClient_NotJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html>It works!</html>")
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, testKey, ClientOptions{})
	if _, err := c.Models(context.Background()); err == nil || !strings.Contains(err.Error(), "is it a Grok server") {
		t.Fatalf("err = %v", err)
	}
}

func TestClient_SlowServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := NewClient(srv.URL, testKey, ClientOptions{Timeout: 300 * time.Millisecond})
	start := time.Now()
	err := c.Verify(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer from") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v with a 300 ms timeout", d)
	}
}

func TestClient_Refused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c, _ := NewClient("http://"+addr, testKey, ClientOptions{Timeout: 2 * time.Second})
	err := c.Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused the connection") {
		t.Fatalf("err = %v", err)
	}
}

func TestClient_DNSFailure(t *testing.T) {
	c, _ := NewClient("https://no-such-host.invalid", testKey, ClientOptions{Timeout: 5 * time.Second})
	err := c.Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot find the server no-such-host.invalid") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewClient_BadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://grok", "https://", "http://[::1", "https://" + testKey + "@grok.example.com", "https://user:" + testKey + "@grok"} {
		_, err := NewClient(u, testKey, ClientOptions{})
		if err == nil {
			t.Errorf("NewClient(%q) accepted", u)
		}
		assertNoKey(t, err)
	}
	if _, err := NewClient("grok.example.com", testKey, ClientOptions{}); err != nil {
		t.Errorf("bare host: %v", err)
	}
	if _, err := NewClient("https://grok", testKey, ClientOptions{PinSHA256: "abc"}); err == nil {
		t.Error("bad pin accepted")
	}
	if _, err := NewClient("https://grok", testKey, ClientOptions{CAFile: filepath.Join(t.TempDir(), "none.pem")}); err == nil {
		t.Error("missing CA file accepted")
	}
}

func TestClient_SelfSignedTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(newFakeGrok(testKey))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	cert := srv.Certificate()
	fp := CertFingerprint(cert.Raw)
	caFile := filepath.Join(t.TempDir(), "grok.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
	ctx := context.Background()

	t.Run("RefusedByDefault", func(t *testing.T) {
		c, _ := NewClient(srv.URL, testKey, ClientOptions{})
		err := c.Verify(ctx)
		if !errors.Is(err, ErrTLS) {
			t.Fatalf("err = %v, want ErrTLS", err)
		}
		for _, want := range []string{"not trusted", "self-signed", fp} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
		assertNoKey(t, err)
	})
	t.Run("AcceptedWithCAFile", func(t *testing.T) {
		c, err := NewClient(srv.URL, testKey, ClientOptions{CAFile: caFile})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AcceptedWithPin", func(t *testing.T) {
		for _, pin := range []string{fp, strings.ToLower(strings.ReplaceAll(fp, ":", "")), "SHA256 Fingerprint=" + fp} {
			c, err := NewClient(srv.URL, testKey, ClientOptions{PinSHA256: pin})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Verify(ctx); err != nil {
				t.Fatalf("pin %s: %v", pin, err)
			}
		}
	})
	t.Run("WrongPin", func(t *testing.T) {
		c, _ := NewClient(srv.URL, testKey, ClientOptions{PinSHA256: strings.Repeat("ab", 32)})
		err := c.Verify(ctx)
		if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "CHANGED") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestEnsureModels_MinMaxOnlyWhenBothKnown(t *testing.T) {
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		json.NewDecoder(r.Body).Decode(&b)
		bodies = append(bodies, b)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, "[]")
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, testKey, ClientOptions{})
	ms := []metric.Metric{
		{Name: "CPUPercent", Unit: "%", Min: 0, Max: 100},
		{Name: "DiskReadBytes", Unit: "bytes/s", Min: 0, Max: math.NaN()},
	}
	if err := c.EnsureModels(context.Background(), "laptop", ms); err != nil {
		t.Fatal(err)
	}
	if p, ok := bodies[0]["modelParams"].(map[string]any); !ok || p["min"] != 0.0 || p["max"] != 100.0 {
		t.Errorf("CPUPercent modelParams = %v", bodies[0]["modelParams"])
	}
	if _, ok := bodies[1]["modelParams"]; ok {
		t.Errorf("DiskReadBytes sent modelParams %v with an unknown max", bodies[1]["modelParams"])
	}
	spec := bodies[1]["metricSpec"].(map[string]any)
	if spec["metric"] != "DiskReadBytes" || spec["resource"] != "laptop" || spec["unit"] != "bytes/s" || bodies[1]["datasource"] != "custom" {
		t.Errorf("body %v", bodies[1])
	}
}

func TestClient_RefusesRedirectElsewhere(t *testing.T) {
	other := httptest.NewServer(newFakeGrok(testKey))
	defer other.Close()
	srv := httptest.NewServer(http.RedirectHandler(other.URL+"/_metrics/custom", http.StatusFound))
	defer srv.Close()
	c, _ := NewClient(srv.URL, testKey, ClientOptions{})
	if err := c.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("err = %v", err)
	}
}

// pastedSecret stands for an API key a person pasted where it does not belong.
const pastedSecret = "S3CRETKEY42"

// TestURLMessagesNeverRepeatAPastedKey checks the messages about bad server
// URLs, which reach the log and the menu: a key in the user information
// (also with an "@" further on in the path) or in the query must not come
// back.
func TestURLMessagesNeverRepeatAPastedKey(t *testing.T) {
	for _, raw := range []string{
		"https://u:" + pastedSecret + "@grok/a@b",
		"ftp://u:" + pastedSecret + "@grok/a@b",
		"ftp://grok/?key=" + pastedSecret,
		"https:///?key=" + pastedSecret,
		"ftp://grok/#" + pastedSecret,
	} {
		if got := redactURL(raw); strings.Contains(got, pastedSecret) {
			t.Errorf("redactURL(%q) = %q", raw, got)
		}
		if _, err := parseBaseURL(raw); err == nil || strings.Contains(err.Error(), pastedSecret) {
			t.Errorf("parseBaseURL(%q) error %v, want one without the key", raw, err)
		}
		if _, err := CarbonAddr(raw, 2003); err != nil && strings.Contains(err.Error(), pastedSecret) {
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
			c, err := NewClient(srv.URL, pastedSecret, ClientOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Verify(context.Background())
			if (err == nil) != tt.ok {
				t.Errorf("Verify with a server answering %q: %v, want ok %v", tt.body, err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), pastedSecret) {
				t.Errorf("error repeats the key: %v", err)
			}
		})
	}
}

// badTLSGrok runs a fake Grok over TLS with cert.
func badTLSGrok(t testing.TB, cert tls.Certificate) *httptest.Server {
	srv := httptest.NewUnstartedServer(newFakeGrok(testKey))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestClient_UntrustedCertificate: Grok's stock certificate can only be
// trusted by a pin. On first contact the error carries its fingerprint and
// everything wrong with it (so the user can decide, as with ssh); pinned, it
// is accepted; a changed certificate is refused loudly, and no longer
// offered for trust.
func TestClient_UntrustedCertificate(t *testing.T) {
	cert := testpeer.GrokStockCert(t, "grok.example.com")
	srv := badTLSGrok(t, cert)
	fp := CertFingerprint(cert.Certificate[0])
	ctx := context.Background()

	c, _ := NewClient(srv.URL, testKey, ClientOptions{})
	err := c.Verify(ctx)
	var ue *UntrustedCertError
	if !errors.As(err, &ue) || !errors.Is(err, ErrTLS) {
		t.Fatalf("err = %v, want an UntrustedCertError", err)
	}
	if ue.Fingerprint != fp {
		t.Errorf("fingerprint %s, want %s", ue.Fingerprint, fp)
	}
	want := []string{
		"it expired on 2015-06-01",
		"it is self-signed (no authority this computer trusts vouches for it)",
		"it names no host (no subjectAltName)",
		"its key is weak (1024-bit RSA)",
		"it is signed with SHA-1, which is broken",
	}
	if strings.Join(ue.Problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(ue.Problems, "\n"), strings.Join(want, "\n"))
	}
	assertNoKey(t, err)

	// A CA file cannot make it valid (expired, no name); only a pin can.
	caFile := filepath.Join(t.TempDir(), "grok.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	c, _ = NewClient(srv.URL, testKey, ClientOptions{CAFile: caFile})
	if err := c.Verify(ctx); !errors.As(err, &ue) {
		t.Errorf("with the certificate as CA file: %v, want still untrusted", err)
	}
	c, _ = NewClient(srv.URL, testKey, ClientOptions{PinSHA256: fp})
	if err := c.Verify(ctx); err != nil {
		t.Fatalf("pinned: %v", err)
	}

	// The server's certificate changes: refused loudly, not offered.
	other := badTLSGrok(t, testpeer.GrokStockCert(t, "grok.example.com"))
	c, _ = NewClient(other.URL, testKey, ClientOptions{PinSHA256: fp})
	err = c.Verify(ctx)
	if !errors.Is(err, ErrTLS) || errors.As(err, &ue) || !strings.Contains(err.Error(), "CHANGED") ||
		!strings.Contains(err.Error(), fp) || !strings.Contains(err.Error(), CertFingerprint(other.Certificate().Raw)) {
		t.Errorf("changed certificate: %v", err)
	}
}
