package sync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/rogue-metrics/rogue/metric"
)

// Defaults of ForwardConfig.
const (
	DefaultCarbonPort = 2003
	DefaultTimeout    = 30 * time.Second
	DefaultSettle     = 10 * time.Second
)

// receiptPatience is how long rows may await the server's receipt (Grok
// storing them) before the overlap alone counts as delivery: a server that
// never stores a metric must not make every forward resend all of it.
const receiptPatience = time.Hour

// probeEvery is how often Run checks, with a bare TCP connect, whether a
// server that refused connections is back, while backing off full sends.
var probeEvery = 10 * time.Second

// Receipts tells what a server has stored, so that cursors move only past
// rows the server itself confirms. *Client implements it with Grok's HTTP
// API.
type Receipts interface {
	// StoredUntil returns, for each metric name (as sent), the time of the
	// newest row the server stored (the zero time: none yet). Names the
	// server keeps no data for are left out.
	StoredUntil(ctx context.Context, names []string) (map[string]time.Time, error)
}

// Backoff of Forwarder.Run after failures: the first retry comes after about
// backoffBase, each further failure doubles it up to backoffCap.
const (
	backoffBase = 10 * time.Second
	backoffCap  = 10 * time.Minute
)

// ErrNoServer is returned by ForwardOnce when no server is configured.
var ErrNoServer = errors.New("no Grok server set")

// ErrNoRRDs is returned by ForwardOnce and ExportAppend when the prefix holds
// none of the metrics' RRD files.
var ErrNoRRDs = errors.New("no RRD files")

// ForwardConfig says what to forward where.
type ForwardConfig struct {
	// Prefix is the folder of the RRD files and cursors.
	Prefix string
	// Server is the Grok server: a URL ("https://grok.example.com", whose
	// host is used and whose port is ignored) or a bare host with an
	// optional Carbon port ("graphite.lan", "graphite.lan:2013").
	Server string
	// Port is the Carbon plaintext port (default 2003); a port in a bare
	// Server wins.
	Port int
	// MetricPrefix is put before each metric name, followed by a dot unless
	// it ends in one ("laptop" sends "laptop.CPUPercent"). Empty, as
	// numenta-rogue did, sends the bare names that Grok expects.
	MetricPrefix string
	// Metrics are the names to forward; empty means every metric.All.
	Metrics []string
	// Timeout bounds connecting, each stalled write and the wait for the
	// server's close (default 30 s).
	Timeout time.Duration
	// Settle is the least time between the first connection that carried a
	// row and a later one that carried it again, before the row counts as
	// delivered and its cursor moves past it (default 10 s). See the
	// package documentation.
	Settle time.Duration
	// Receipts, when set (a Grok server with an API key), is asked what the
	// server stored: then a cursor moves only past rows the server has.
	Receipts Receipts
	// Logger receives progress and warnings (default slog.Default()).
	Logger *slog.Logger
}

// withDefaults returns c with its defaults filled in.
func (c ForwardConfig) withDefaults() ForwardConfig {
	if c.Port == 0 {
		c.Port = DefaultCarbonPort
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Settle <= 0 {
		c.Settle = DefaultSettle
	}
	if len(c.Metrics) == 0 {
		c.Metrics = allMetricNames()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate checks c (after withDefaults). An empty Server is valid: the
// forwarder then waits for one.
func (c ForwardConfig) validate() error {
	if c.Prefix == "" {
		return errors.New("sync: no prefix (folder of the RRD files) given")
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("sync: port %d is not between 1 and 65535", c.Port)
	}
	if err := checkMetricPrefix(c.MetricPrefix); err != nil {
		return err
	}
	for _, m := range c.Metrics {
		if err := checkMetricName(m); err != nil {
			return err
		}
	}
	if c.Server != "" {
		if _, err := CarbonAddr(c.Server, c.Port); err != nil {
			return err
		}
	}
	return nil
}

func allMetricNames() []string {
	names := make([]string, len(metric.All))
	for i, m := range metric.All {
		names[i] = m.Name
	}
	return names
}

func checkMetricName(m string) error { return CheckMetricName(m) }

func checkMetricPrefix(p string) error { return CheckMetricPrefix(p) }

// MetricName returns the name a metric is sent under with metric prefix p
// (see ForwardConfig.MetricPrefix). Grok models must be started under this
// name.
func MetricName(p, name string) string {
	if p == "" {
		return name
	}
	if !strings.HasSuffix(p, ".") {
		p += "."
	}
	return p + name
}

// CarbonAddr returns the host:port of the Carbon listener for server (see
// ForwardConfig.Server) and the default port.
func CarbonAddr(server string, port int) (string, error) {
	s := strings.TrimSpace(server)
	if s == "" {
		return "", ErrNoServer
	}
	host, p := "", strconv.Itoa(port)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("server %q is not a valid URL", redactURL(s))
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			// The URL's port is the web port; Carbon listens on its own.
		case "tcp", "carbon":
			if u.Port() != "" {
				p = u.Port()
			}
		default:
			return "", fmt.Errorf("server %q: scheme %q is neither https, http nor tcp", redactURL(s), u.Scheme)
		}
		host = u.Hostname()
	} else if h, pp, err := net.SplitHostPort(s); err == nil {
		host, p = h, pp
	} else {
		host = strings.Trim(s, "[]")
	}
	if host == "" || strings.ContainsAny(host, "/@ \t") {
		return "", fmt.Errorf("server %q has no valid host name", redactURL(s))
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("server %q: port %q is not between 1 and 65535", redactURL(s), p)
	}
	return net.JoinHostPort(host, p), nil
}

// redactURL hides user information (a key pasted into a URL), the query
// and the fragment from messages. The user information ends at the last "@" before the path, query or
// fragment; an "@" further on belongs to those and is kept.
func redactURL(s string) string {
	start := 0
	if j := strings.Index(s, "://"); j >= 0 {
		start = j + 3
	}
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	if q := strings.IndexAny(s[start:], "?#"); q >= 0 {
		s = s[:start+q] + "…" // a query may carry a key too
	}
	at := strings.LastIndex(s[start:min(end, len(s))], "@")
	if at < 0 {
		return s
	}
	return s[:start] + "…" + s[start+at:]
}

// Status is what the menu shows about forwarding.
type Status struct {
	Enabled     bool
	Server      string
	LastSuccess time.Time // zero: no success in this process
	Sent        int       // points sent in total by this process
	Resent      int       // of those, points sent again (the overlap)
	Pending     int       // points waiting to be sent (as of the last attempt)
	LastErr     error     // nil after a success
	NextRetry   time.Time // zero unless a retry is scheduled
}

// String describes s in plain words for the menu, e.g. "Sent 2 min ago · 0
// pending" or "Grok unreachable: connection refused by … — retrying in 40 s".
func (s Status) String() string { return s.Format(time.Now()) }

// Format is String as of now.
func (s Status) Format(now time.Time) string {
	switch {
	case !s.Enabled:
		return "Forwarding off"
	case strings.TrimSpace(s.Server) == "":
		return "No server set — choose Grok Server…"
	case s.LastErr != nil:
		msg := s.LastErr.Error()
		if !s.NextRetry.IsZero() {
			if d := s.NextRetry.Sub(now); d > 0 {
				msg += " — retrying in " + humanDuration(d)
			} else {
				msg += " — retrying now"
			}
		}
		return msg
	case s.LastSuccess.IsZero():
		if s.Pending > 0 {
			return fmt.Sprintf("Not sent yet · %d pending", s.Pending)
		}
		return "Not sent yet"
	}
	return fmt.Sprintf("Sent %s · %d pending", humanAgo(now.Sub(s.LastSuccess)), s.Pending)
}

// humanDuration rounds d up to whole seconds, minutes or hours.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
	}
	return fmt.Sprintf("%d h", int((d+time.Hour-1)/time.Hour))
}

// humanAgo says how long ago something was, in the largest whole unit.
func humanAgo(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// Forwarder forwards new rows of the RRD files to a Carbon listener. Its
// methods are safe for concurrent use.
type Forwarder struct {
	once gosync.Mutex // serialises ForwardOnce

	mu      gosync.Mutex
	cfg     ForwardConfig
	status  Status
	changed chan struct{} // poked by SetEnabled and SetConfig

	// Guarded by once:
	askedAt time.Time        // when Receipts was last asked
	now     func() time.Time // the clock (tests); nil: time.Now
}

// NewForwarder returns an enabled forwarder for cfg.
func NewForwarder(cfg ForwardConfig) (*Forwarder, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Forwarder{
		cfg:     cfg,
		status:  Status{Enabled: true, Server: cfg.Server},
		changed: make(chan struct{}, 1),
	}, nil
}

// SetEnabled turns forwarding in Run on or off.
func (f *Forwarder) SetEnabled(on bool) {
	f.mu.Lock()
	f.status.Enabled = on
	if !on {
		f.status.NextRetry = time.Time{}
	}
	f.mu.Unlock()
	f.poke()
}

// SetConfig replaces the configuration (the server changed in the menu). An
// invalid configuration is kept out and reported in the status.
func (f *Forwarder) SetConfig(cfg ForwardConfig) {
	cfg = cfg.withDefaults()
	err := cfg.validate()
	f.mu.Lock()
	if err != nil {
		f.status.LastErr = err
		f.status.NextRetry = time.Time{}
		f.mu.Unlock()
		cfg.Logger.Warn("forward: configuration refused", "err", err)
		return
	}
	if cfg.Receipts == nil && cfg.Server == f.cfg.Server {
		cfg.Receipts = f.cfg.Receipts
	}
	f.cfg = cfg
	f.status.Server = cfg.Server
	f.status.LastErr = nil
	f.status.NextRetry = time.Time{}
	f.mu.Unlock()
	f.poke()
}

// SetReceipts sets (nil: removes) the source of the server's receipts, e.g.
// a *Client once the API key is known. SetConfig with another server
// removes them.
func (f *Forwarder) SetReceipts(r Receipts) {
	f.mu.Lock()
	f.cfg.Receipts = r
	f.mu.Unlock()
}

func (f *Forwarder) poke() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// Status returns the current status.
func (f *Forwarder) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *Forwarder) config() ForwardConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// ForwardOnce sends, over one connection, every known value after each
// metric's cursor: the rows not sent before and, again, those sent before
// but not yet confirmed (see the package documentation), and then moves
// the cursors past the rows now confirmed. It returns the number of points
// sent. On any failure no cursor moves. A metric without an RRD file is
// skipped; an unreadable one is reported in the error after the others
// were forwarded.
func (f *Forwarder) ForwardOnce(ctx context.Context) (sent int, err error) {
	f.once.Lock()
	defer f.once.Unlock()
	cfg := f.config()
	r, err := f.forwardOnce(ctx, cfg)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status.Sent += r.sent
	f.status.Resent += r.resent
	f.status.Pending = r.pending
	f.status.LastErr = err
	if err == nil || r.sent > 0 {
		f.status.LastSuccess = time.Now()
	}
	return r.sent, err
}

// forwardResult counts the points of one forward.
type forwardResult struct {
	sent    int // lines written to a connection the server closed
	resent  int // of those, points an earlier connection carried already
	pending int // points never sent (after a failure: still waiting)
}

// pendingMetric is one metric's part of a forward.
type pendingMetric struct {
	name    string
	stored  Cursor  // as in the cursor file
	cursor  Cursor  // in effect: rows after it are sent
	s       *series // the rows after cursor
	known   int     // known values after cursor
	first   int64   // time of the first of them
	fresh   int     // of those, values never sent before
	entries []sentEntry
}

// collect opens every metric's RRD for the rows after its cursor and
// counts them. Metrics without an RRD are skipped; unreadable ones are
// returned in errs. The caller closes the series.
func collect(prefix string, names []string, jr journal, log *slog.Logger) (out []*pendingMetric, errs []error) {
	found := false
	for _, name := range names {
		cpath := CursorPath(prefix, name, Grok)
		c, err := ReadCursor(cpath)
		if err != nil {
			// Reported, then treated as the start of retention: a duplicate
			// is acceptable, a gap is not.
			log.Warn("corrupt cursor; starting from the oldest row the RRD holds", "metric", name, "err", err)
		}
		s, err := openSeries(filepath.Join(prefix, name+".rrd"), name, window{after: c})
		if errors.Is(err, fs.ErrNotExist) {
			log.Debug("no RRD file; skipped", "metric", name)
			continue
		}
		found = true
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		m := &pendingMetric{name: name, stored: c, cursor: c, s: s, entries: jr.Metrics[name]}
		if s.stale {
			log.Warn("cursor is later than the RRD's last update (file recreated?); starting from the oldest row", "metric", name, "cursor", c)
			m.cursor, m.entries = Cursor{}, nil
		}
		before := max(m.cursor.Unix(), lastSent(m.entries))
		err = s.each(func(p point) error {
			if m.known == 0 {
				m.first = p.t
			}
			m.known++
			if p.t > before {
				m.fresh++
			}
			return nil
		})
		if err != nil {
			s.Close()
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		out = append(out, m)
	}
	if !found {
		errs = append(errs, noRRDsError(prefix, names))
	}
	return out, errs
}

func (f *Forwarder) forwardOnce(ctx context.Context, cfg ForwardConfig) (res forwardResult, err error) {
	log := cfg.Logger
	addr, err := CarbonAddr(cfg.Server, cfg.Port)
	if err != nil {
		return res, err
	}
	jr, jerr := readJournal(cfg.Prefix)
	if jerr != nil {
		log.Warn("forward journal unreadable; unconfirmed rows are sent again", "err", jerr)
	}
	changed := jr.Server != addr
	if changed {
		// Rows that went to another server are no receipt for this one.
		jr = journal{Server: addr, Metrics: map[string][]sentEntry{}}
	}
	todo, errs := collect(cfg.Prefix, cfg.Metrics, jr, log)
	defer func() {
		for _, m := range todo {
			m.s.Close()
		}
	}()
	batch := &carbonBatch{}
	known := 0
	for _, m := range todo {
		known += m.known
		res.pending += m.fresh
		if m.known == 0 {
			continue
		}
		batch.names = append(batch.names, MetricName(cfg.MetricPrefix, m.name))
		again := lastSent(m.entries)
		batch.series = append(batch.series, func(fn func(point) error) error {
			return m.s.each(func(p point) error {
				if p.t <= again {
					res.resent++
				}
				return fn(p)
			})
		})
	}
	if known > 0 {
		start := time.Now()
		n, err := sendCarbon(ctx, addr, cfg.Timeout, batch)
		if err != nil {
			log.Warn("forward failed; cursors unchanged", "server", addr, "written", n, "err", err)
			res.resent = 0
			return res, err
		}
		log.Debug("forwarded", "server", addr, "points", n, "again", res.resent, "duration", time.Since(start).Round(time.Millisecond))
		res.sent = n
	}
	res.pending = 0
	now := f.clock()
	stored := f.receipts(ctx, cfg, todo, now)
	for _, m := range todo {
		next := m.cursor
		m.entries = sent(m.entries, m.cursor, m.s.end, now)
		switch {
		case m.known == 0:
			// No known value after the cursor: unknown rows never become
			// known, so the cursor may pass them.
			next = Cursor{unix: max(m.cursor.Unix(), m.s.end)}
		case cfg.Receipts == nil:
			next = later(next, settled(m.entries, now, cfg.Settle))
		default:
			if t, ok := stored[MetricName(cfg.MetricPrefix, m.name)]; ok {
				// The server's own receipt: rows up to t are stored, or
				// would now be refused as older than its newest.
				next = later(next, min(t.Unix(), lastSent(m.entries)))
			} else if stored != nil {
				// The server keeps no data for this name: the overlap
				// is the only receipt.
				next = later(next, settled(m.entries, now, cfg.Settle))
			}
			if len(m.entries) > 0 && now.Sub(time.UnixMilli(m.entries[0].At)) > receiptPatience {
				if c := later(next, settled(m.entries, now, cfg.Settle)); c != next {
					log.Warn("forward: the server has not confirmed rows sent long ago; counting them as delivered by the overlap", "metric", m.name, "since", time.UnixMilli(m.entries[0].At).Format(time.RFC3339))
					next = c
				}
			}
		}
		if m.known > 0 && m.first > m.s.first {
			// The rows before the first known value are unknown for good.
			next = later(next, m.first-m.s.step)
		}
		m.entries = slices.DeleteFunc(m.entries, func(e sentEntry) bool { return e.End <= next.Unix() })
		if !slices.Equal(m.entries, jr.Metrics[m.name]) {
			changed = true
			jr.Metrics[m.name] = m.entries
		}
		if next != m.stored {
			if err := WriteCursor(CursorPath(cfg.Prefix, m.name, Grok), next); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if changed {
		if err := jr.write(cfg.Prefix); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return res, &metricErrors{errs}
	}
	return res, nil
}

// later returns the later of c and the row time t.
func later(c Cursor, t int64) Cursor {
	if t > c.Unix() {
		return Cursor{unix: t}
	}
	return c
}

// receipts asks cfg.Receipts, at most once per cfg.Settle, what the server
// stored of the metrics with rows awaiting confirmation. It returns nil
// when it did not ask or the server did not answer (no cursor then moves
// on the server's word).
func (f *Forwarder) receipts(ctx context.Context, cfg ForwardConfig, todo []*pendingMetric, now time.Time) map[string]time.Time {
	if cfg.Receipts == nil || now.Sub(f.askedAt) < cfg.Settle {
		return nil
	}
	var names []string
	for _, m := range todo {
		if m.known > 0 {
			names = append(names, MetricName(cfg.MetricPrefix, m.name))
		}
	}
	if len(names) == 0 {
		return nil
	}
	f.askedAt = now
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	stored, err := cfg.Receipts.StoredUntil(ctx, names)
	if err != nil {
		cfg.Logger.Warn("forward: cannot read what the server stored; unconfirmed rows are sent again", "err", err)
		return nil
	}
	return stored
}

func (f *Forwarder) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

// metricErrors reports metrics that could not be read or whose cursor could
// not be stored while the others were forwarded. Run does not back off for
// them: the next tick tries again anyway.
type metricErrors struct{ errs []error }

func (e *metricErrors) Error() string   { return errors.Join(e.errs...).Error() }
func (e *metricErrors) Unwrap() []error { return e.errs }

// Run forwards on each trigger (the agent's tick) while enabled, until ctx
// is done. After a failure it retries with exponential backoff and jitter
// (triggers in between are ignored); enabling or changing the configuration
// retries at once. While a server that refused the connection (or could
// not be reached) is backed off, Run probes it every probeEvery with a
// bare TCP connect and sends as soon as it answers, so a returning server
// gets the backlog within seconds, not after the backoff.
func (f *Forwarder) Run(ctx context.Context, trigger <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	probe := time.NewTimer(time.Hour)
	probe.Stop()
	defer probe.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.changed:
			failures = 0
			timer.Stop()
			probe.Stop()
		case <-timer.C:
			probe.Stop()
		case <-probe.C:
			if failures == 0 {
				continue
			}
			if !f.reachable(ctx) {
				probe.Reset(probeEvery)
				continue
			}
			timer.Stop()
			f.config().Logger.Info("forward: server answers again; sending now", "failures", failures)
		case _, ok := <-trigger:
			if !ok {
				trigger = nil
				continue
			}
			if failures > 0 {
				// Waiting for the backoff timer or the probe.
				continue
			}
		}
		st := f.Status()
		if !st.Enabled || strings.TrimSpace(st.Server) == "" {
			continue
		}
		_, err := f.ForwardOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		log := f.config().Logger
		var partial *metricErrors
		if err != nil && !errors.As(err, &partial) {
			failures++
			d := backoff(failures)
			f.mu.Lock()
			f.status.NextRetry = time.Now().Add(d)
			f.mu.Unlock()
			timer.Reset(d)
			var ce connectError
			if errors.As(err, &ce) && d > probeEvery {
				probe.Reset(probeEvery)
			}
			log.Warn("forward: will retry", "in", d.Round(time.Second), "failures", failures, "err", err)
			continue
		}
		if failures > 0 {
			log.Info("forward: recovered", "after_failures", failures)
		}
		failures = 0
		timer.Stop()
		probe.Stop()
		f.mu.Lock()
		f.status.NextRetry = time.Time{}
		f.mu.Unlock()
	}
}

// reachable reports whether the Carbon listener accepts a connection now.
// The probe connection is closed at once without a byte: a Carbon server
// reads an empty stream.
func (f *Forwarder) reachable(ctx context.Context) bool {
	cfg := f.config()
	addr, err := CarbonAddr(cfg.Server, cfg.Port)
	if err != nil {
		return false
	}
	d := net.Dialer{Timeout: min(cfg.Timeout, 5*time.Second)}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// backoff returns the wait after the n-th consecutive failure: doubling from
// backoffBase up to backoffCap, with "equal jitter" (between half and all of
// it) so that many clients do not retry in step.
func backoff(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffCap; i++ {
		d *= 2
	}
	d = min(d, backoffCap)
	half := d / 2
	return half + rand.N(half+1)
}

// noRRDsError says that none of the RRD files of names is in prefix, naming
// them when there are few (a --metrics list with a typo).
func noRRDsError(prefix string, names []string) error {
	if len(names) == 0 || len(names) > 3 {
		return fmt.Errorf("%w in %s (is the prefix right?)", ErrNoRRDs, prefix)
	}
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = n + ".rrd"
	}
	return fmt.Errorf("%w in %s: no %s (are the metric names and the prefix right?)", ErrNoRRDs, prefix, strings.Join(files, ", "))
}
