package charts

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogue-metrics/rogue/assets"
	"github.com/rogue-metrics/rogue/metric"
)

// Status is what the page shows at its top: one line about forwarding and
// one about the last export, in the app's words. Empty lines are left out.
type Status struct {
	Forward string `json:"forward"`
	Export  string `json:"export"`
}

// StatusProvider supplies the status lines; it is called once per page
// refresh and must return promptly.
type StatusProvider interface {
	ChartsStatus() Status
}

// Config is what New needs.
type Config struct {
	// Dir is the folder of the metrics' RRD files, <Dir>/<Name>.rrd.
	Dir string
	// AnomalyDir is the folder of the anomaly score files, one per metric
	// (<AnomalyDir>/<Name>.rrd, one GAUGE data source of scores 0..1). A
	// missing file means no marks. Empty means <Dir>/anomaly.
	AnomalyDir string
	// Metrics is the catalogue, in the order the page shows them; empty
	// means metric.All.
	Metrics []metric.Metric
	// Threshold is the anomaly score (0..1) at or above which a point is
	// marked. Zero or less means no marks.
	Threshold float64
	// Refresh is how often an open page fetches new points (the display
	// cadence). Zero means a minute.
	Refresh time.Duration
	// Secret is the per-install secret every request must carry: at least
	// 16 characters. See LoadSecret.
	Secret string
	// Status supplies the lines at the top of the page; nil shows none.
	Status StatusProvider
	// Logger receives refused requests at debug level and failures at
	// warn level; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Limits of requests. A request beyond them is refused with 400 (or 414).
const (
	// MaxPoints is the largest "px" (the chart's plot width in pixels) a
	// data request may give; the answer has at most that many points per
	// series, never more than twice the pixels asked.
	MaxPoints = 4096
	// MaxSpan is the longest window one data request may ask for.
	MaxSpan = 400 * 24 * time.Hour
	// maxQuery bounds the query string of any request, in bytes.
	maxQuery = 512
	// maxPath bounds the path of any request, in bytes.
	maxPath = 128
)

// KeyParam is the query parameter of the URL the app opens: it carries the
// secret once, and the answer turns it into a cookie.
const KeyParam = "key"

// cookiePrefix, followed by the listener's port, names the session cookie:
// cookies are not kept apart by port, and two people's Rogues on one
// machine must not overwrite each other's.
const cookiePrefix = "rogue_charts_"

// signedIn is the answer to the opened URL: it sets the cookie and moves on
// to the page.
const signedIn = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
	`<meta http-equiv="refresh" content="0;url=/"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">` +
	`<title>Rogue charts</title></head><body><p><a href="/">Open the charts</a></p></body></html>
`

// Server is the charts page and its data endpoints; it is an http.Handler.
type Server struct {
	cfg     Config
	groups  []group
	session string // cookie value: derived from the secret, not the secret
	files   map[string]*staticFile
	log     *slog.Logger
	// page is index.html with its stylesheets and scripts inlined, cut
	// where the metadata goes; csp is the Content-Security-Policy, which
	// allows the inline scripts by their hashes. Both are made at the
	// first request (pageOnce; pageErr if they cannot be), not in New:
	// the app's start comes before its menu, and a page may never be
	// opened.
	pageOnce sync.Once
	pageErr  error
	page     [2][]byte
	csp      string
}

// staticFile is an embedded asset with its gzip form, made at the first
// request that takes it: compressing every asset in New cost the app's
// start 30-70 ms before its menu appeared, and a page may never be opened.
type staticFile struct {
	typ    string
	body   []byte
	gzOnce sync.Once
	gz     []byte
}

// gzipped returns the gzip form of the body.
func (f *staticFile) gzipped() []byte {
	f.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(f.body)
		zw.Close()
		f.gz = b.Bytes()
	})
	return f.gz
}

//go:embed web
var web embed.FS

// ErrConfig is returned (wrapped) by New for an unusable configuration.
var ErrConfig = errors.New("charts: bad configuration")

// New checks cfg and returns the server.
func New(cfg Config) (*Server, error) {
	if len(cfg.Secret) < 16 {
		return nil, fmt.Errorf("%w: the secret is shorter than 16 characters", ErrConfig)
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("%w: no data folder", ErrConfig)
	}
	if cfg.AnomalyDir == "" {
		cfg.AnomalyDir = filepath.Join(cfg.Dir, "anomaly")
	}
	if len(cfg.Metrics) == 0 {
		cfg.Metrics = metric.All
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = time.Minute
	}
	if cfg.Threshold > 1 {
		return nil, fmt.Errorf("%w: threshold %g is above 1", ErrConfig, cfg.Threshold)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	mac := hmac.New(sha256.New, []byte(cfg.Secret))
	mac.Write([]byte("rogue charts session"))
	s := &Server{
		cfg:     cfg,
		groups:  groupMetrics(cfg.Metrics),
		session: hex.EncodeToString(mac.Sum(nil)),
		log:     cfg.Logger,
		files:   map[string]*staticFile{},
	}
	add := func(name, typ string, body []byte) {
		s.files[name] = &staticFile{typ: typ, body: body}
	}
	for name, typ := range map[string]string{
		"index.html": "text/html; charset=utf-8",
		"charts.js":  "text/javascript; charset=utf-8",
		"charts.css": "text/css; charset=utf-8",
	} {
		b, err := web.ReadFile("web/" + name)
		if err != nil {
			return nil, fmt.Errorf("charts: embedded %s: %w", name, err)
		}
		add(name, typ, b)
	}
	add("icon.png", "image/png", assets.Icon)
	add("uplot.js", "text/javascript; charset=utf-8", assets.UPlotJS)
	add("uplot.css", "text/css; charset=utf-8", assets.UPlotCSS)
	return s, nil
}

// inlinePage makes s.page and s.csp: index.html with its stylesheets and
// scripts in it, and boot.js at the metadata's place. One answer then
// brings the whole page: its parts need no requests of their own, which
// on a first load (nothing cached) come after the page's and take as
// long as the rest of the page to be answered.
func (s *Server) inlinePage() error {
	boot, err := web.ReadFile("web/boot.js")
	if err != nil {
		return fmt.Errorf("charts: embedded boot.js: %w", err)
	}
	page := s.files["index.html"].body
	var scripts [][]byte
	for _, part := range []struct{ tag, open, close, file string }{
		{`<link rel="stylesheet" href="/static/uplot.css">`, "<style>", "</style>", "uplot.css"},
		{`<link rel="stylesheet" href="/static/charts.css">`, "<style>", "</style>", "charts.css"},
		{`<script src="/static/uplot.js"></script>`, "<script>", "</script>", "uplot.js"},
		{`<script src="/static/charts.js"></script>`, "<script>", "</script>", "charts.js"},
		{metaPlaceholder, metaPlaceholder + "\n<script>", "</script>", ""},
	} {
		body := boot
		if part.file != "" {
			body = s.files[part.file].body
		}
		// The body may not end its element early.
		if bytes.Contains(bytes.ToLower(body), []byte("</"+part.close[2:])) {
			return fmt.Errorf("charts: embedded %s holds %s", part.file, part.close)
		}
		if bytes.Count(page, []byte(part.tag)) != 1 {
			return fmt.Errorf("charts: index.html: no single %s", part.tag)
		}
		page = bytes.Replace(page, []byte(part.tag), slices.Concat([]byte(part.open), body, []byte(part.close)), 1)
		if part.open != "<style>" {
			scripts = append(scripts, body)
		}
	}
	head, tail, _ := bytes.Cut(page, []byte(metaPlaceholder))
	s.page = [2][]byte{head, tail}
	s.csp = contentSecurityPolicy(scripts...)
	return nil
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully (for up to five seconds).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			hs.Shutdown(sctx)
		case <-done:
		}
	}()
	err := hs.Serve(ln)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("charts: serve %s: %w", ln.Addr(), err)
}

// contentSecurityPolicy is the policy of every answer: nothing but the
// server's own scripts (and the inline ones given, by their hashes),
// styles, images and requests; no frames, forms or base.
func contentSecurityPolicy(inline ...[]byte) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src 'self'")
	for _, script := range inline {
		sum := sha256.Sum256(script)
		b.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	b.WriteString("; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	return b.String()
}

// setSecurityHeaders sets the headers every answer carries (making the
// page first, at the first request: its policy names its scripts).
func (s *Server) setSecurityHeaders(h http.Header) {
	s.pageOnce.Do(func() { s.pageErr = s.inlinePage() })
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	csp := s.csp
	if csp == "" { // no page: no inline script either
		csp = contentSecurityPolicy()
	}
	h.Set("Content-Security-Policy", csp)
}

// refuse answers with status and a plain-text reason.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.log.Debug("charts: refused", "status", status, "path", r.URL.Path, "reason", msg)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// ServeHTTP implements http.Handler: the checks every request passes, then
// the page, its assets and the data endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	s.setSecurityHeaders(h)
	if s.pageErr != nil {
		s.log.Warn("charts: the embedded page", "err", s.pageErr)
		s.refuse(w, r, http.StatusInternalServerError, "charts: the embedded page is broken")
		return
	}

	port, ok := localPort(r)
	if !ok {
		s.refuse(w, r, http.StatusForbidden, "charts: the listener's address is unknown")
		return
	}
	if !loopbackHost(r.Host, port) {
		s.refuse(w, r, http.StatusForbidden, "charts: the Host header must be 127.0.0.1, [::1] or localhost with port "+port)
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		s.refuse(w, r, http.StatusForbidden, "charts: requests from other origins are refused")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.refuse(w, r, http.StatusMethodNotAllowed, "charts: read-only: GET and HEAD only")
		return
	}
	if len(r.URL.RawQuery) > maxQuery || len(r.URL.Path) > maxPath {
		s.refuse(w, r, http.StatusRequestURITooLong, "charts: request URI too long")
		return
	}
	cookieName := cookiePrefix + port
	if key := r.URL.Query().Get(KeyParam); key != "" {
		// The opened URL (from any site: the opener file is a file:// page;
		// the key is what counts). The secret becomes the session cookie,
		// and a same-origin refresh drops it from the address bar: after a
		// redirect a navigation that started elsewhere would still count
		// as cross-site, and the SameSite=Strict cookie would not be sent.
		if r.URL.Path != "/" || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.Secret)) != 1 {
			s.refuse(w, r, http.StatusForbidden, "charts: wrong key; open the charts from Rogue's menu or with 'rogue charts'")
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: cookieName, Value: s.session, Path: "/",
			HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
		s.writeBody(w, r, "text/html; charset=utf-8", []byte(signedIn))
		return
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		s.refuse(w, r, http.StatusForbidden, "charts: requests from other sites are refused")
		return
	}
	c, err := r.Cookie(cookieName)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.session)) != 1 {
		s.refuse(w, r, http.StatusForbidden, "charts: not signed in; open the charts from Rogue's menu or with 'rogue charts'")
		return
	}

	switch r.URL.Path {
	case "/":
		s.serveIndex(w, r)
	case "/static/charts.js", "/static/charts.css", "/static/uplot.js", "/static/uplot.css", "/static/icon.png":
		s.serveFile(w, r, strings.TrimPrefix(r.URL.Path, "/static/"))
	case "/api/meta":
		s.serveMeta(w, r)
	case "/api/status":
		s.serveJSON(w, r, s.status())
	case "/api/data":
		s.serveData(w, r)
	case "/api/charts":
		s.serveCharts(w, r)
	default:
		s.refuse(w, r, http.StatusNotFound, "charts: not found")
	}
}

// localPort returns the port of the listener that accepted r.
func localPort(r *http.Request) (string, bool) {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return "", false
	}
	_, port, err := net.SplitHostPort(a.String())
	return port, err == nil
}

// loopbackHost reports whether host (a Host header) names this server by
// a loopback address or localhost, with port.
func loopbackHost(host, port string) bool {
	switch strings.ToLower(host) {
	case "127.0.0.1:" + port, "[::1]:" + port, "localhost:" + port:
		return true
	}
	return false
}

// serveFile sends an embedded asset, gzipped when the client takes it.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := s.files[name]
	if !ok {
		s.refuse(w, r, http.StatusNotFound, "charts: not found")
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.typ)
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	body := f.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(strings.ReplaceAll(q, " ", "")) != "q=0" {
			return true
		}
	}
	return false
}

// serveJSON sends v as JSON, gzipped when the client takes it.
func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Warn("charts: encode", "path", r.URL.Path, "err", err)
		s.refuse(w, r, http.StatusInternalServerError, "charts: cannot encode the answer")
		return
	}
	s.writeBody(w, r, "application/json", b)
}

// writeBody sends b, not cached, gzipped when the client takes it and it
// is worth it. The fastest level: the answers are made for each request
// while the page loads, on loopback, where a few kilobytes more cost
// nothing and the milliseconds of the default level's CPU do.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, typ string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Encoding")
	if len(b) > 512 && acceptsGzip(r) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(b)
		zw.Close()
		b = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
}

// status returns the status lines, or none without a provider.
func (s *Server) status() Status {
	if s.cfg.Status == nil {
		return Status{}
	}
	return s.cfg.Status.ChartsStatus()
}

// metaPlaceholder, in index.html, is replaced by the page's metadata (what
// /api/meta answers) and the boot script, so that the page asks for its
// data before it loads anything else.
const metaPlaceholder = "<!--META-->"

// serveIndex sends the page (see inlinePage) with its metadata inlined as
// a JSON data block, which the boot script after it reads.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		s.refuse(w, r, http.StatusBadRequest, "charts: the page takes no parameters")
		return
	}
	m, err := json.Marshal(s.meta()) // escapes <, > and &: safe inside <script>
	if err != nil {
		s.refuse(w, r, http.StatusInternalServerError, "charts: cannot encode the page's metadata")
		return
	}
	page := slices.Concat(s.page[0], []byte(`<script type="application/json" id="meta">`), m, []byte("</script>"), s.page[1])
	s.writeBody(w, r, "text/html; charset=utf-8", page)
}
