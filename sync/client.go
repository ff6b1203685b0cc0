package sync

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rogue-metrics/rogue/metric"
)

// maxResponse bounds how much of a response the client reads.
const maxResponse = 1 << 20

// Sentinel errors of Client; test with errors.Is.
var (
	// ErrUnauthorized is returned when the server refuses the API key.
	ErrUnauthorized = errors.New("the API key was refused")
	// ErrServer is returned for a 5xx answer.
	ErrServer = errors.New("Grok server error")
	// ErrTLS is returned when the server's certificate is not trusted.
	ErrTLS = errors.New("the server's certificate is not trusted")
	// ErrResponseTooLarge is returned when an answer exceeds 1 MiB.
	ErrResponseTooLarge = errors.New("answer larger than 1 MiB")
	// ErrQuota is returned when Grok answers 403: the account is over its
	// quota.
	ErrQuota = errors.New("the Grok server's quota is used up")
	// ErrServerLimit is returned when Grok answers 500 "Server limit
	// exceeded": it monitors as many instances as its edition allows.
	ErrServerLimit = errors.New("the Grok server has reached its limit")
	// ErrModel is returned by EnsureModels when Grok reports a model in its
	// ERROR state.
	ErrModel = errors.New("a Grok model failed")
)

// ClientOptions tune a Client.
type ClientOptions struct {
	// CAFile is a PEM file of certificates to trust in addition to the
	// system's, for a Grok server with a self-signed or private-CA
	// certificate.
	CAFile string
	// PinSHA256 is the SHA-256 fingerprint of the server's certificate (hex,
	// colons allowed). When set, exactly that certificate is accepted,
	// whoever signed it, and nothing else.
	PinSHA256 string
	// Timeout bounds each request (default 30 s).
	Timeout time.Duration
	// HTTPClient replaces the client's transport (tests); CAFile and
	// PinSHA256 are then ignored.
	HTTPClient *http.Client
}

// Client talks to a Grok server's HTTP API with an API key.
type Client struct {
	base  *url.URL
	key   string
	hc    *http.Client
	host  string
	roots *x509.CertPool // the trusted authorities; nil: the system's
}

// NewClient returns a client for the Grok server at baseURL
// ("https://grok.example.com"), authenticating with apiKey.
func NewClient(baseURL, apiKey string, opt ClientOptions) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	hc := opt.HTTPClient
	var roots *x509.CertPool
	if hc == nil {
		tc, err := tlsConfig(opt)
		if err != nil {
			return nil, err
		}
		roots = tc.RootCAs
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		tr.Proxy = http.ProxyFromEnvironment
		hc = &http.Client{Transport: tr, Timeout: opt.Timeout}
	}
	// Never follow a redirect with the key to another host.
	c := *hc
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		if req.URL.Host != u.Host {
			return fmt.Errorf("redirected to another host (%s)", req.URL.Host)
		}
		if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return errors.New("redirected from https to an unencrypted address")
		}
		return nil
	}
	if c.Timeout == 0 {
		c.Timeout = opt.Timeout
	}
	return &Client{base: u, key: apiKey, hc: &c, host: u.Host, roots: roots}, nil
}

// parseBaseURL checks a server URL; a bare host name means https.
func parseBaseURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ErrNoServer
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("bad server URL %q: write it like https://grok.example.com", redactURL(s))
	}
	if u.User != nil {
		return nil, fmt.Errorf("bad server URL %q: give the API key separately, not in the URL", redactURL(s))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("bad server URL %q: it must start with https://", redactURL(s))
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("bad server URL %q: no host name", redactURL(s))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// tlsConfig builds the TLS settings for opt: system roots plus CAFile, or a
// pinned certificate.
func tlsConfig(opt ClientOptions) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if opt.CAFile != "" {
		pem, err := os.ReadFile(opt.CAFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", opt.CAFile)
		}
		tc.RootCAs = pool
	}
	if opt.PinSHA256 != "" {
		pin, err := ParseFingerprint(opt.PinSHA256)
		if err != nil {
			return nil, err
		}
		// The pin replaces chain verification: the server must present
		// exactly the pinned certificate.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("%w: the server sent no certificate", ErrTLS)
			}
			got := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got != pin {
				return &pinError{got: got, want: pin}
			}
			return nil
		}
	}
	return tc, nil
}

// pinError reports a certificate that does not match the pin: the server's
// certificate changed since it was trusted.
type pinError struct{ got, want [32]byte }

func (e *pinError) Error() string {
	return "the server's certificate has CHANGED since it was trusted: it is not the pinned one (pinned SHA-256 " + Fingerprint(e.want[:]) +
		", now " + Fingerprint(e.got[:]) + "). This can be an attack on the connection, so nothing was sent. If the server's certificate was replaced on purpose, " +
		"check the new fingerprint with its administrator and trust it again (rogue login --pin NEW)"
}

func (e *pinError) Unwrap() error { return ErrTLS }

// UntrustedCertError is returned when a server's certificate does not
// verify and no pin is set: the caller may show the fingerprint and the
// problems and, if the user trusts the certificate, pin it (as ssh does on
// first contact). Verification is never turned off. It matches ErrTLS.
type UntrustedCertError struct {
	Host        string   // the server, host[:port]
	Fingerprint string   // SHA-256 of the certificate, as openssl prints it
	Problems    []string // what is wrong with it, in plain words
	Err         error    // the verification error
}

func (e *UntrustedCertError) Error() string {
	return fmt.Sprintf("the certificate of %s is not trusted: %s (SHA-256 %s)", e.Host, strings.Join(e.Problems, "; "), e.Fingerprint)
}

func (e *UntrustedCertError) Unwrap() []error { return []error{ErrTLS, e.Err} }

// certProblems says what is wrong with cert for host at now, all of it
// (Go's verification stops at the first problem): validity dates, who
// signed it, the names it is for, a weak key or signature.
func certProblems(cert *x509.Certificate, host string, roots *x509.CertPool, now time.Time) []string {
	var p []string
	switch {
	case now.After(cert.NotAfter):
		p = append(p, "it expired on "+cert.NotAfter.UTC().Format("2006-01-02"))
	case now.Before(cert.NotBefore):
		p = append(p, "it is not valid before "+cert.NotBefore.UTC().Format("2006-01-02"))
	}
	// Who vouches for it, checked at a time it is valid.
	opts := x509.VerifyOptions{Roots: roots, CurrentTime: cert.NotBefore.Add(time.Second)}
	if _, err := cert.Verify(opts); err != nil {
		if bytes.Equal(cert.RawIssuer, cert.RawSubject) {
			p = append(p, "it is self-signed (no authority this computer trusts vouches for it)")
		} else {
			p = append(p, "it is signed by an authority this computer does not trust ("+cert.Issuer.String()+")")
		}
	}
	if err := cert.VerifyHostname(host); err != nil {
		if len(cert.DNSNames) == 0 && len(cert.IPAddresses) == 0 {
			p = append(p, "it names no host (no subjectAltName)")
		} else {
			names := slices.Clone(cert.DNSNames)
			for _, ip := range cert.IPAddresses {
				names = append(names, ip.String())
			}
			p = append(p, "it is for "+strings.Join(names, ", ")+", not "+host)
		}
	}
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			p = append(p, fmt.Sprintf("its key is weak (%d-bit RSA)", k.N.BitLen()))
		}
	}
	switch cert.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		p = append(p, "it is signed with SHA-1, which is broken")
	case x509.MD5WithRSA, x509.MD2WithRSA:
		p = append(p, "it is signed with MD5, which is broken")
	}
	if len(p) == 0 {
		p = append(p, "it does not verify")
	}
	return p
}

// Fingerprint formats a SHA-256 sum as colon-separated upper-case hex, as
// openssl x509 -fingerprint -sha256 prints it.
func Fingerprint(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// CertFingerprint returns the SHA-256 fingerprint of a DER certificate.
func CertFingerprint(der []byte) string {
	s := sha256.Sum256(der)
	return Fingerprint(s[:])
}

// ParseFingerprint parses a SHA-256 fingerprint: 64 hex digits, optionally
// separated by colons or spaces, optionally prefixed "sha256:" or
// "SHA256 Fingerprint=".
func ParseFingerprint(s string) ([32]byte, error) {
	var out [32]byte
	t := strings.TrimSpace(s)
	if i := strings.LastIndexAny(t, "="); i >= 0 {
		t = t[i+1:]
	}
	t = strings.TrimPrefix(strings.TrimPrefix(t, "sha256:"), "SHA256:")
	t = strings.NewReplacer(":", "", " ", "", "-", "").Replace(t)
	b, err := hex.DecodeString(t)
	if err != nil || len(b) != 32 {
		return out, errors.New("the pinned fingerprint must be a SHA-256 fingerprint: 64 hex digits, colons allowed")
	}
	copy(out[:], b)
	return out, nil
}

// Verify checks that the server is reachable, accepts the key and answers
// like Grok (GET /_metrics/custom gives a JSON list): a web page at a
// mistyped URL does not pass for a Grok server that took the key.
func (c *Client) Verify(ctx context.Context) error {
	_, err := c.CustomMetrics(ctx)
	return err
}

// CustomMetric is one entry of GET /_metrics/custom.
type CustomMetric struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	Status int    `json:"status"`
}

// CustomMetrics lists the server's custom metrics (GET /_metrics/custom).
func (c *Client) CustomMetrics(ctx context.Context) ([]CustomMetric, error) {
	b, err := c.do(ctx, http.MethodGet, "/_metrics/custom", nil)
	if err != nil {
		return nil, err
	}
	var ms []CustomMetric
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, c.badAnswer("/_metrics/custom", err)
	}
	return ms, nil
}

// Model is one model of GET /_models (Grok's metric row).
type Model struct {
	UID           string          `json:"uid"`
	Name          string          `json:"name"`
	Datasource    string          `json:"datasource"`
	Server        string          `json:"server"`
	DisplayName   string          `json:"display_name"`
	Status        int             `json:"status"`
	Message       string          `json:"message"`
	LastTimestamp string          `json:"last_timestamp"`
	Parameters    json.RawMessage `json:"parameters"`
}

// Model status values of Grok (htmengine's MetricStatus).
const (
	ModelUnmonitored   = 0
	ModelActive        = 1
	ModelCreatePending = 2
	ModelError         = 4
	ModelPendingData   = 8
)

// StatusText says a model's status in words.
func (m Model) StatusText() string {
	switch m.Status {
	case ModelUnmonitored:
		return "not monitored"
	case ModelActive:
		return "active"
	case ModelCreatePending:
		return "starting"
	case ModelError:
		if m.Message != "" {
			return "error: " + m.Message
		}
		return "error"
	case ModelPendingData:
		return "waiting for data"
	}
	return fmt.Sprintf("status %d", m.Status)
}

// Models lists the server's models (GET /_models).
func (c *Client) Models(ctx context.Context) ([]Model, error) {
	b, err := c.do(ctx, http.MethodGet, "/_models", nil)
	if err != nil {
		return nil, err
	}
	var ms []Model
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, c.badAnswer("/_models", err)
	}
	return ms, nil
}

// modelSpec is the body of POST /_models for a custom metric.
type modelSpec struct {
	Datasource  string       `json:"datasource"`
	MetricSpec  metricSpec   `json:"metricSpec"`
	ModelParams *modelParams `json:"modelParams,omitempty"`
}

type metricSpec struct {
	Metric   string `json:"metric"`
	Resource string `json:"resource"`
	Unit     string `json:"unit,omitempty"`
}

type modelParams struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// EnsureModels starts a model on every metric (POST /_models), with host as
// the resource. Grok returns the existing model for a metric already
// monitored, so calling it again is harmless. Metric names are used as given:
// with a metric prefix, pass MetricName(prefix, m.Name). Min and max are sent
// only when both are known (Grok refuses one without the other) and
// otherwise estimated by Grok from the data.
func (c *Client) EnsureModels(ctx context.Context, host string, metrics []metric.Metric) error {
	if strings.TrimSpace(host) == "" {
		return errors.New("no host name to start models for")
	}
	var failed []Model
	for i, m := range metrics {
		spec := modelSpec{
			Datasource: "custom",
			MetricSpec: metricSpec{Metric: m.Name, Resource: host, Unit: m.Unit},
		}
		if !math.IsNaN(m.Min) && !math.IsNaN(m.Max) && !math.IsInf(m.Min, 0) && !math.IsInf(m.Max, 0) && m.Min < m.Max {
			spec.ModelParams = &modelParams{Min: m.Min, Max: m.Max}
		}
		body, err := json.Marshal(spec)
		if err != nil {
			return err
		}
		b, err := c.do(ctx, http.MethodPost, "/_models", body)
		if err != nil {
			// A refusal (key, quota, limit, certificate, server down) is
			// the same for every metric: stop at the first.
			if left := len(metrics) - i - 1; left > 0 {
				return fmt.Errorf("start model for %s: %w (%d more not requested)", m.Name, err, left)
			}
			return fmt.Errorf("start model for %s: %w", m.Name, err)
		}
		// Grok answers 201 with the model(s); one in ERROR carries why.
		var got []Model
		if json.Unmarshal(b, &got) == nil {
			for _, g := range got {
				if g.Status == ModelError {
					failed = append(failed, g)
				}
			}
		}
	}
	if len(failed) > 0 {
		return &ModelsInErrorError{Models: failed}
	}
	return nil
}

// ModelsInErrorError is returned by EnsureModels when Grok reports models
// in its ERROR state; it matches ErrModel.
type ModelsInErrorError struct {
	Models []Model // the models in ERROR, with Grok's message
}

func (e *ModelsInErrorError) Error() string {
	m := e.Models[0]
	msg := m.Message
	if msg == "" {
		msg = "no message from Grok"
	}
	s := fmt.Sprintf("Grok's model for %s is in ERROR: %s", m.Name, msg)
	if len(e.Models) > 1 {
		s += fmt.Sprintf(" (and %d more in ERROR)", len(e.Models)-1)
	}
	return s
}

func (e *ModelsInErrorError) Unwrap() error { return ErrModel }

// do sends one request and returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	u := *c.base
	if p, q, ok := strings.Cut(path, "?"); ok {
		u.Path += p
		u.RawQuery = q
	} else {
		u.Path += path
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	// Grok's API key is the basic-auth user name with an empty password.
	req.SetBasicAuth(c.key, "")
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.netError(ctx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, c.netError(ctx, err)
	}
	if len(b) > maxResponse {
		return nil, fmt.Errorf("%s %s: %w", method, path, ErrResponseTooLarge)
	}
	if err := c.statusError(method, path, resp.StatusCode, resp.Status, b); err != nil {
		return nil, err
	}
	return b, nil
}

// serverLimit matches the message of Grok's QuotaError (grok/app/quota.py),
// which the model handler answers with 500.
var serverLimit = regexp.MustCompile(`Server limit exceeded; edition=([^;]*); count=(\d+); limit=(\d+)`)

// statusError turns an answer that is not 2xx into plain words, the way
// Grok's handlers (grok/app/webservices: handlers.py, responses.py,
// models_api.py) use the codes:
//
//   - 400 {"result": "Invalid API Key"}: a wrong key. Grok answers 400, not
//     401, on purpose ("browser auto-401 dialog is a bad user experience");
//     other 400s are requests it could not accept.
//   - 403 {"result": ...}: over quota (QuotaErrorResponse).
//   - 500 "Server limit exceeded; edition=…; count=…; limit=…." in a plain
//     body: creating a model would go past the instance limit.
//   - other 5xx: a failure inside the server.
//
// 401 is taken as a wrong key too (a proxy in front of Grok).
func (c *Client) statusError(method, path string, code int, status string, body []byte) error {
	if code >= 200 && code <= 299 {
		return nil
	}
	msg := c.excerpt(body)
	result := strings.TrimPrefix(msg, ": ")
	switch {
	case code == http.StatusUnauthorized,
		code == http.StatusBadRequest && (strings.EqualFold(result, "Invalid API Key") || strings.EqualFold(result, "unauthorized")):
		return fmt.Errorf("%w by %s (Grok answered %q): check the key on the server's settings page and enter it again", ErrUnauthorized, c.host, result)
	case code == http.StatusForbidden:
		return fmt.Errorf("%w: %s refused the request as over quota%s", ErrQuota, c.host, msg)
	case code >= 500:
		if m := serverLimit.FindStringSubmatch(string(body)); m != nil {
			return fmt.Errorf("%w: %s already monitors %s of at most %s instances (%s edition), so it starts no new model; remove models you no longer need there, or raise its limit",
				ErrServerLimit, c.host, m[2], m[3], m[1])
		}
		return fmt.Errorf("%w at %s: %s%s", ErrServer, c.host, status, msg)
	case code == http.StatusBadRequest:
		return fmt.Errorf("%s %s: %s did not accept the request%s", method, path, c.host, msg)
	}
	return fmt.Errorf("%s %s on %s: unexpected answer %s%s", method, path, c.host, status, msg)
}

// excerpt returns the start of a response body for an error message, with
// the API key (plain or as basic-auth credentials) removed in case the server
// echoes the request.
func (c *Client) excerpt(b []byte) string {
	var msg struct {
		Result string `json:"result"`
	}
	s := ""
	if json.Unmarshal(b, &msg) == nil && msg.Result != "" {
		s = msg.Result
	} else {
		s = string(b)
	}
	s = strings.Join(strings.Fields(s), " ")
	if c.key != "" {
		auth := base64.StdEncoding.EncodeToString([]byte(c.key + ":"))
		s = strings.ReplaceAll(s, auth, "…")
		s = strings.ReplaceAll(s, c.key, "…")
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	s = strings.ToValidUTF8(s, "")
	if s == "" {
		return ""
	}
	return ": " + s
}

func (c *Client) badAnswer(path string, err error) error {
	return fmt.Errorf("%s did not answer %s with the expected JSON (is it a Grok server?): %v", c.host, path, err)
}

// netError turns a transport error into plain words with a hint.
func (c *Client) netError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var dns *net.DNSError
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var pe *pinError
	var ne net.Error
	var re tls.RecordHeaderError
	host := c.base.Hostname()
	const hint = "; if it is your Grok server with a self-signed certificate, pass its certificate with --ca-file or its fingerprint with --pin"
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("TLS failure with %s: %w", c.host, pe)
	case errors.As(err, &cv) && len(cv.UnverifiedCertificates) > 0:
		leaf := cv.UnverifiedCertificates[0]
		return &UntrustedCertError{
			Host:        c.host,
			Fingerprint: CertFingerprint(leaf.Raw),
			Problems:    certProblems(leaf, host, c.roots, time.Now()),
			Err:         cv.Err,
		}
	case errors.As(err, &ua):
		fp := ""
		if ua.Cert != nil {
			fp = " (SHA-256 " + CertFingerprint(ua.Cert.Raw) + ")"
		}
		return fmt.Errorf("TLS failure with %s: %w: it is signed by an unknown authority%s%s", c.host, ErrTLS, fp, hint)
	case errors.As(err, &hn):
		return fmt.Errorf("TLS failure with %s: %w: it is not valid for the name %s (%v)", c.host, ErrTLS, host, hn.Error())
	case errors.As(err, &ci):
		return fmt.Errorf("TLS failure with %s: %w: %v%s", c.host, ErrTLS, ci.Error(), hint)
	case errors.As(err, &cv):
		fp := ""
		if len(cv.UnverifiedCertificates) > 0 {
			fp = " (SHA-256 " + CertFingerprint(cv.UnverifiedCertificates[0].Raw) + ")"
		}
		return fmt.Errorf("TLS failure with %s: %w%s: %v%s", c.host, ErrTLS, fp, cv.Err, hint)
	case errors.As(err, &re):
		return fmt.Errorf("TLS failure with %s: it does not speak TLS on this port (try http:// or another port)", c.host)
	case errors.As(err, &dns):
		return fmt.Errorf("cannot find the server %s (DNS lookup failed): check the URL: %w", host, dns)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s refused the connection: is Grok running and is the URL's port right? (%w)", c.host, syscall.ECONNREFUSED)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no answer from %s within %v: %w", c.host, c.hc.Timeout, context.DeadlineExceeded)
	}
	// url.Error repeats method and URL; the URL holds no key (basic auth
	// travels in a header), but keep the message short.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("cannot reach %s: %w", c.host, err)
}
