package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/assets"
	"github.com/rogue-metrics/rogue/charts"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/sync"
	"github.com/rogue-metrics/rogue/tray"
)

func init() { defaultCommand = runApp }

// appOptions are the menu-bar app's command line: the agent's flags (which
// override the settings for this run only) and a few of its own.
type appOptions struct {
	prefix    string
	interval  int
	heartbeat int
	reset     bool
	server    string
	headless  bool
	verbose   bool
	set       map[string]bool // flags given on the command line
}

func parseAppFlags(args []string, stderr io.Writer) (appOptions, int, bool) {
	var o appOptions
	fs := newFlagSet("rogue", stderr)
	fs.StringVar(&o.prefix, "prefix", "", "`folder` of the RRD files (default: Rogue's data folder)")
	fs.IntVar(&o.interval, "interval", 0, "collection interval in `seconds` (default: the settings', 60)")
	fs.IntVar(&o.heartbeat, "heartbeat", 0, "RRD heartbeat in `seconds` (default: the settings', 600)")
	fs.IntVar(&o.heartbeat, "hearbeat", 0, "the old tools' spelling of --heartbeat")
	fs.BoolVar(&o.reset, "reset", false, "delete the RRD files and start the series over")
	fs.StringVar(&o.server, "server", "", "Grok server `URL` for this run (default: the settings')")
	fs.BoolVar(&o.headless, "headless", false, "run without a menu: collect and forward only")
	fs.BoolVar(&o.verbose, "v", false, "log debug messages")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rogue [flags]\n\n"+
			"Runs Rogue: collects every metric into RRD files, forwards them to the Grok\n"+
			"server when forwarding is on, and shows them live in the menu bar (macOS) or\n"+
			"tray (Linux). Without a desktop it runs headless. Flags override the\n"+
			"settings (%s) for this run only.\n\nFlags:\n", settingsFile)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nOther commands: rogue help\n")
	}
	if code, ok := parseFlags(fs, args, nil); !ok {
		return o, code, false
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if o.set["hearbeat"] {
		o.set["heartbeat"] = true
	}
	if (o.set["interval"] && (o.interval < 1 || o.interval > maxSeconds)) ||
		(o.set["heartbeat"] && (o.heartbeat < 1 || o.heartbeat > maxSeconds)) {
		fmt.Fprintf(stderr, "rogue: --interval and --heartbeat must be 1 to %d seconds\n", maxSeconds)
		return o, 2, false
	}
	return o, 0, true
}

// runApp is rogue without a subcommand: the menu-bar app.
func runApp(ctx context.Context, args []string, stdio stdio) int {
	opts, code, ok := parseAppFlags(args, stdio.Err)
	if !ok {
		return code
	}
	d, err := defaultDirs()
	if err != nil {
		fmt.Fprintf(stdio.Err, "rogue: %v\n", err)
		return 1
	}
	logger, closeLog := openLog(d.Logs, stdio.Err, opts.verbose)
	defer closeLog()

	lock, err := acquireLock(filepath.Join(d.Config, lockFile))
	var running *alreadyRunningError
	if errors.As(err, &running) {
		fmt.Fprintln(stdio.Out, running.Error())
		return 0
	}
	if err != nil {
		fmt.Fprintf(stdio.Err, "rogue: %v\n", err)
		return 1
	}
	defer lock.release()
	prefix, err := appPrefix(opts, d)
	if err != nil {
		fmt.Fprintf(stdio.Err, "rogue: %v\n", err)
		return 1
	}
	dataLock, err := lockData(prefix, dataLockWait, true)
	if err != nil {
		fmt.Fprintf(stdio.Err, "rogue: %v\n", err)
		logger.Error("cannot start", "err", err)
		return 1
	}
	defer dataLock.release()

	a, err := newApp(opts, d, logger)
	if err != nil {
		fmt.Fprintf(stdio.Err, "rogue: %v\n", err)
		logger.Error("cannot start", "err", err)
		return 1
	}
	return a.run(ctx, stdio.Err)
}

// dataLockWait is how long the app and the agent wait for a "rogue
// forward" or "rogue export" that holds the data folder to finish (a
// variable for tests).
var dataLockWait = 5 * time.Second

// appPrefix is the folder of the RRD files: --prefix, else the data
// folder's db, as an absolute path.
func appPrefix(opts appOptions, d dirs) (string, error) {
	p := opts.prefix
	if p == "" {
		p = filepath.Join(d.Data, "db")
	}
	return filepath.Abs(p)
}

// maxLogSize is the size at which the log file is moved to rogue.log.1 at
// the next start.
const maxLogSize = 4 << 20

// openLog logs to stderr and to <logs>/rogue.log (kept to two files of
// about maxLogSize). The standard library's log package, which the tray
// library writes to, is routed to the debug level.
func openLog(dir string, stderr io.Writer, verbose bool) (*slog.Logger, func()) {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	w := stderr
	closeFn := func() {}
	if dir != "" && os.MkdirAll(dir, 0o700) == nil {
		path := filepath.Join(dir, "rogue.log")
		if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogSize {
			os.Rename(path, path+".1")
		}
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			w = io.MultiWriter(stderr, f)
			closeFn = func() { f.Close() }
		}
	}
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	logger := slog.New(h)
	slog.SetDefault(logger)
	log.SetFlags(0)
	log.SetOutput(slog.NewLogLogger(h, slog.LevelDebug).Writer())
	return logger, closeFn
}

// app is the running menu-bar app: the agent, the forwarder and the menu,
// and the state the menu shows. It implements tray.App.
type app struct {
	log          *slog.Logger
	fwdLog       *slog.Logger // the forwarder's: warnings only, unless -v
	plat         platform
	prefix       string
	settingsPath string
	dirs         dirs
	now          func() time.Time

	agent   *agent.Agent
	fwd     *sync.Forwarder
	trigger chan struct{} // tick → forwarder, never blocks the agent
	menu    *tray.Menu    // nil when headless

	anomalies *anomalies // marks, recent anomalies, Grok's verdicts (anomaly.go)
	notify    notifier   // nil where notifications cannot be shown

	charts     *charts.Server // nil when it could not start
	chartsBase string         // its address, e.g. http://127.0.0.1:41234/

	ctx  context.Context // the app's lifetime, set by run
	quit context.CancelFunc
	bg   gosync.WaitGroup // dialogs, exports, model starts

	mu        gosync.Mutex // guards the fields below
	saved     settings     // as in the settings file
	eff       settings     // in effect (saved plus command-line flags)
	warning   string
	notice    string
	export    tray.ExportState
	loginItem bool
	// serverStatus is the outcome of Grok Server… (or of starting the
	// models), shown under that item until serverStatusUntil.
	serverStatus      string
	serverStatusUntil time.Time
	// lastForward is when the forwarder was last poked by a tick.
	lastForward time.Time

	saveMu gosync.Mutex // serialises writes of the settings file
	// keepFile is set when an unusable settings file could not be moved
	// aside: it is then never overwritten, and changes last this run only.
	keepFile  bool
	dialogUp  atomic.Bool
	aboutUp   atomic.Bool
	exporting atomic.Bool
}

// newApp loads the settings and creates the agent and the forwarder.
func newApp(opts appOptions, d dirs, logger *slog.Logger) (*app, error) {
	a := &app{
		log:          logger,
		fwdLog:       logger,
		plat:         newPlatform(),
		dirs:         d,
		settingsPath: filepath.Join(d.Config, settingsFile),
		now:          time.Now,
		trigger:      make(chan struct{}, 1),
		notify:       newNotifier(),
	}
	if !opts.verbose {
		// The forwarder logs every delivery at info level: once per tick.
		a.fwdLog = slog.New(minLevel{slog.LevelWarn, logger.Handler()})
	}
	_, statErr := os.Stat(a.settingsPath)
	firstRun := errors.Is(statErr, fs.ErrNotExist)
	s, err := loadSettings(a.settingsPath, a.now())
	var badFields *badFieldsError
	switch {
	case errors.As(err, &badFields):
		// Those fields take their defaults; the others are kept.
		logger.Warn("settings", "err", err)
		names := `"` + strings.Join(badFields.Names(), `", "`) + `"`
		a.warning = "Settings: " + names + " not valid, default used (see the log)"
		if badFields.Aside == "" {
			a.keepFile = true
			a.warning = "Settings: " + names + " not valid, default used; changes are not saved"
		}
	case err != nil:
		// The file was moved aside (or could not be); defaults are used.
		logger.Warn("settings", "err", err)
		if bad, ok := err.(*badSettingsError); ok && bad.Aside != "" {
			a.warning = "Settings could not be read; kept as " + filepath.Base(bad.Aside) + ", using defaults"
		} else {
			a.keepFile = true
			a.warning = "Settings could not be read; changes are not saved (see the log)"
		}
	}
	a.saved = s
	a.eff = s
	if opts.set["interval"] {
		a.eff.Interval = opts.interval
	}
	if opts.set["heartbeat"] {
		a.eff.Heartbeat = opts.heartbeat
	}
	if opts.set["server"] {
		u, err := normalizeServer(opts.server)
		if err != nil {
			return nil, fmt.Errorf("--server: %w", err)
		}
		a.eff.Server = u
	}
	if a.prefix, err = appPrefix(opts, d); err != nil {
		return nil, err
	}
	if mp, ok := newInstallMetricPrefix(firstRun, a.prefix, os.Hostname); ok {
		a.saved.MetricPrefix, a.eff.MetricPrefix = mp, mp
		if err := a.saved.save(a.settingsPath); err != nil {
			logger.Warn("settings", "err", err)
		}
		logger.Info("new install: metrics are sent to Grok under this machine's name, so that machines sharing a server keep apart", "metric_prefix", mp)
	}
	if opts.prefix == "" {
		// The data folder around the default db folder holds cursors and
		// exports of key timings too.
		if err := agent.MakePrivate(d.Data, logger); err != nil {
			logger.Warn("data folder", "err", err)
		}
	}
	if on, err := a.plat.LoginItem(); err == nil {
		a.loginItem = on
	} else {
		logger.Warn("login item", "err", err)
	}

	a.agent, err = agent.New(agent.Config{
		Prefix:    a.prefix,
		Interval:  time.Duration(a.eff.Interval) * time.Second,
		Heartbeat: time.Duration(a.eff.Heartbeat) * time.Second,
		Reset:     opts.reset,
		Logger:    logger,
		OnTick:    a.onTick,
		// The menu first: missing files (about 10 MB each at a 1 s step)
		// are created while it appears.
		CreateInRun: true,
	})
	if err != nil {
		return nil, err
	}
	a.anomalies = newAnomalies(a.agent.Scores)
	a.fwd, err = sync.NewForwarder(a.forwardConfig(a.eff))
	if err != nil {
		a.agent.Close()
		return nil, err
	}
	a.fwd.SetEnabled(a.eff.Forwarding)
	if !opts.headless {
		a.menu = tray.New(a, tray.Options{Icon: assets.Icon, TemplateIcon: assets.TemplateIcon2x,
			AnomalyIcon: assets.AnomalyIcon, AnomalyTemplateIcon: assets.AnomalyTemplateIcon2x, OnOpen: a.menuOpened})
	}
	return a, nil
}

// newInstallMetricPrefix returns the metric prefix of a new install: the
// host's short name, sanitised (sync.HostPrefix). Grok keys a custom metric
// by its name alone, so two machines sending a bare "CPUPercent" to one
// server feed one model, and its storer drops whichever samples are older.
// An install is new when there was no settings file and no forwarding
// cursor in the data folder (numenta-rogue's .pos files): existing setups
// keep the names they have been sending.
func newInstallMetricPrefix(firstRun bool, prefix string, hostname func() (string, error)) (string, bool) {
	if !firstRun {
		return "", false
	}
	for _, m := range metric.All {
		if _, err := os.Stat(sync.CursorPath(prefix, m.Name, sync.Grok)); err == nil {
			return "", false
		}
	}
	host, err := hostname()
	if err != nil {
		return "", false
	}
	p := sync.HostPrefix(host)
	return p, p != ""
}

// forwardConfig is the forwarder's configuration for settings s.
func (a *app) forwardConfig(s settings) sync.ForwardConfig {
	return sync.ForwardConfig{
		Prefix:       a.prefix,
		Server:       s.Server,
		Port:         s.Port,
		MetricPrefix: s.MetricPrefix,
		Logger:       a.fwdLog,
	}
}

// minLevel is a slog.Handler that drops records below a level.
type minLevel struct {
	min slog.Level
	slog.Handler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.min, h.Handler.WithAttrs(attrs)}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.min, h.Handler.WithGroup(name)}
}

// minForwardInterval is the shortest time between two deliveries to Grok
// started by ticks. At short steps a delivery per tick (a connection, a read
// of every file, a cursor written per metric) cost more than the collection
// itself; a few seconds' delay means nothing to a model that scores each
// minute.
const minForwardInterval = 30 * time.Second

// onTick runs on the agent's scheduler after each tick: it only pokes the
// forwarder (at most every minForwardInterval) and the menu, without ever
// waiting for them.
func (a *app) onTick(t time.Time) {
	a.checkAnomalies()
	a.mu.Lock()
	due := a.lastForward.IsZero() || t.Sub(a.lastForward) >= minForwardInterval || t.Before(a.lastForward)
	if due {
		a.lastForward = t
	}
	a.mu.Unlock()
	if due {
		a.forwardNow()
	}
	if a.menu != nil {
		a.menu.Refresh()
	}
}

// forwardNow asks the forwarder to deliver what is pending, without
// waiting.
func (a *app) forwardNow() {
	select {
	case a.trigger <- struct{}{}:
	default:
	}
}

// displayLoop keeps the menu's values live between ticks: a live sample at
// once (gauges), another half a second later (rates and CPU need two), then
// one every display interval. The files are not touched.
func (a *app) displayLoop(ctx context.Context) {
	a.mu.Lock()
	every := time.Duration(a.eff.DisplayInterval) * time.Second
	a.mu.Unlock()
	if every <= 0 {
		every = defaultDisplayInterval * time.Second
	}
	// When the ticks come at least as often as the cadence (a 1 s step),
	// they refresh the menu with stored values; live samples would only
	// repeat them.
	ticksSuffice := a.agent.Step() <= every
	wait := 500 * time.Millisecond
	t := time.NewTimer(0)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.agent.SampleLive(ctx)
		a.refresh()
		if n >= 1 && ticksSuffice {
			<-ctx.Done()
			return
		}
		t.Reset(wait)
		wait = every
	}
}

// menuOpened takes a fresh reading the moment the menu opens (the tray
// calls it on its goroutine, so the reading is taken on another).
func (a *app) menuOpened() {
	ctx := a.ctx
	if ctx == nil {
		return
	}
	go func() {
		a.agent.SampleLive(ctx)
		a.refresh()
	}()
}

// refresh asks the menu to redraw (after a change outside a tick).
func (a *app) refresh() {
	if a.menu != nil {
		a.menu.Refresh()
	}
}

// run runs everything until ctx is done or Quit is chosen: the agent and
// the forwarder on their goroutines, the menu on this one (macOS wants the
// main thread). On the way out the tick in flight is finished and the
// forwarder's cursors are left as the last completed delivery wrote them.
func (a *app) run(ctx context.Context, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.ctx, a.quit = ctx, cancel
	// Decided before the agent starts: its ticks read a.menu.
	if a.menu != nil {
		if problem, warning := trayCheck(ctx); problem != "" {
			fmt.Fprintf(stderr, "rogue: %s; running without a menu (collecting into %s).\n", problem, a.prefix)
			a.log.Info("no menu", "reason", problem)
			a.menu = nil
		} else if warning != "" {
			fmt.Fprintf(stderr, "rogue: %s.\n", warning)
			a.log.Info("tray", "warning", warning)
		}
	}
	var wg gosync.WaitGroup
	failed := atomic.Bool{}
	wg.Go(func() {
		if err := a.agent.Run(ctx); err != nil {
			a.log.Error("agent stopped", "err", err)
			failed.Store(true)
		}
		cancel()
	})
	wg.Go(func() { a.fwd.Run(ctx, a.trigger) })
	a.startCharts(ctx, &wg)
	if a.eff.Forwarding {
		a.startModels()
	}
	a.log.Info("Rogue started", "version", version, "prefix", a.prefix, "interval", a.eff.Interval, "pid", os.Getpid())
	if a.menu == nil && !a.eff.Forwarding {
		// Headless, there is no "Forward to Grok" to click.
		a.log.Info("forwarding is off: the points stay in the RRD files", "turn_on", headlessForwardingHint(a.settingsPath, a.eff.Server))
	}

	if a.menu != nil {
		wg.Go(func() { a.displayLoop(ctx) })
		wg.Go(func() { a.pollGrok(ctx) })
		// The menu first: the first run's settings write (synced to disk)
		// happens meanwhile.
		a.bg.Go(a.offerKeyAccess)
		a.menu.Run(ctx)
		st := a.menu.Stats()
		a.log.Info("menu refreshes", "count", st.Refreshes, "updates", st.Updates,
			"mean_us", st.Mean().Microseconds(), "max_us", st.Max.Microseconds(),
			"mean_cpu_us", st.MeanCPU().Microseconds())
	}
	<-ctx.Done()
	wg.Wait()
	a.bg.Wait()
	a.log.Info("Rogue stopped", "points_sent", a.fwd.Status().Sent)
	if failed.Load() {
		return 1
	}
	return 0
}

// headlessForwardingHint says how to turn forwarding on without a menu:
// the settings field "forwarding" (and "server" when none is set), read at
// the next start; --server alone does not turn it on.
func headlessForwardingHint(settingsPath, server string) string {
	if server == "" {
		return `set "server": "https://grok.example.com" and "forwarding": true in ` + settingsPath + " and restart"
	}
	return `set "forwarding": true in ` + settingsPath + " and restart"
}

// State implements tray.App.
func (a *app) State() tray.State {
	snap := a.agent.Snapshot()
	fst := a.fwd.Status()
	keyOK, keyHint := a.plat.KeyAccess()
	anomalies := a.anomalyState()
	refusedHint := ""
	if r, ok := a.plat.(keyRefusedHinter); ok {
		refusedHint = r.KeyRefusedHint()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	s := tray.State{
		Version:    version,
		Series:     make([]tray.Series, len(snap.Series)),
		Step:       snap.Step,
		Cadence:    time.Duration(a.eff.DisplayInterval) * time.Second,
		Forwarding: a.eff.Forwarding,
		Server:     a.eff.Server,
		ServerAddr: serverAddr(a.eff.Server, a.eff.Port),
		Keys:       keyState(snap.Keys, keyOK, keyHint, refusedHint),
		Export:     a.export,
		LoginItem:  a.loginItem,
		Notice:     a.notice,
		Warning:    a.warning,
		Anomalies:  anomalies,
	}
	for _, b := range snap.BadFiles {
		s.SetAside = append(s.SetAside, filepath.Base(b.Aside))
	}
	switch {
	case a.menu == nil:
		s.Cadence = 0
	case snap.Step > 0 && snap.Step < s.Cadence:
		s.Cadence = snap.Step // the ticks refresh the menu (displayLoop)
	}
	if a.serverStatus != "" && now.Before(a.serverStatusUntil) {
		s.ServerStatus = a.serverStatus
	}
	switch {
	case !a.eff.Forwarding:
	case errors.Is(fst.LastErr, sync.ErrNoRRDs):
		// The first second of a first start: the files are still being
		// created in the background.
		s.ForwardStatus = "Not sent yet"
	default:
		s.ForwardStatus = fst.Format(now)
	}
	for i, m := range snap.Series {
		s.Series[i] = displaySeries(m, snap.Step)
	}
	return s
}

// displaySeries is one metric's row in the menu's units. KeyCount, stored
// per step, is shown per minute so that it means the same at any step.
func displaySeries(m agent.Series, step time.Duration) tray.Series {
	ts := tray.Series{
		Name: m.Metric.Name, Display: m.Metric.Display, Unit: m.Metric.Unit,
		Min: m.Metric.Min, Max: m.Metric.Max,
		Latest: m.Latest, History: m.History,
	}
	if m.Metric.Unit == "keys" && step > 0 {
		perMin := time.Minute.Seconds() / step.Seconds()
		ts.Unit = "keys/min"
		ts.Latest *= perMin
		ts.History = make([]float64, len(m.History))
		for i, v := range m.History {
			ts.History[i] = v * perMin
		}
	}
	return ts
}

// serverAddr is where points go, "host:port", for the menu; empty when no
// server is set.
func serverAddr(server string, port int) string {
	u, err := url.Parse(server)
	if server == "" || err != nil || u.Hostname() == "" {
		return ""
	}
	return net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
}

// serverStatusFor is how long the outcome of Grok Server… stays under it
// before the forwarding status takes its place again.
const serverStatusFor = 2 * time.Minute

// setServerStatus shows msg under Grok Server… for a while.
func (a *app) setServerStatus(msg string) {
	a.mu.Lock()
	a.serverStatus = msg
	a.serverStatusUntil = a.now().Add(serverStatusFor)
	a.mu.Unlock()
	a.refresh()
}

// messageShower is implemented by platforms that can show a message at
// once, in a dialog (Linux: zenity; macOS: osascript).
type messageShower interface {
	ShowMessage(ctx context.Context, title, text string, isError bool) error
}

// tell shows text in a dialog where the platform has one; the menu's
// status lines carry it in any case.
func (a *app) tell(title, text string, isError bool) {
	if m, ok := a.plat.(messageShower); ok && a.ctx != nil {
		if err := m.ShowMessage(a.ctx, title, text, isError); err != nil && !errors.Is(err, errNoDialog) {
			a.log.Info("message dialog", "err", err)
		}
	}
}

// keyRefusedHinter is implemented by platforms where the system can count
// Rogue as allowed yet refuse it key events (macOS: a stale grant).
type keyRefusedHinter interface {
	// KeyRefusedHint says in one sentence what to do about it.
	KeyRefusedHint() string
}

// keyState says in the menu's words whether key events flow and, if not,
// why and what to do. refusedHint is the platform's advice for a tap the
// system refuses although access is granted.
func keyState(k agent.KeyStatus, accessOK bool, accessHint, refusedHint string) tray.KeyState {
	if k.Flowing {
		return tray.KeyState{Flowing: true}
	}
	ks := tray.KeyState{Problem: "not running", Hint: accessHint}
	switch {
	case errors.Is(k.Err, agent.ErrKeyRefused):
		ks.Problem = "refused by macOS"
		ks.Hint = refusedHint
	case !accessOK:
		ks.Problem = "no access"
	case errors.Is(k.Err, agent.ErrNoDisplay):
		ks.Problem = "no display"
	case errors.Is(k.Err, agent.ErrKeyAccess):
		ks.Problem = "not allowed"
	}
	if ks.Hint == "" && k.Err != nil {
		ks.Hint = k.Err.Error()
	}
	return ks
}

// setNotice shows msg under the menu's last section (empty clears it).
func (a *app) setNotice(msg string) {
	a.mu.Lock()
	a.notice = msg
	a.mu.Unlock()
	a.refresh()
}

// saveSettings writes the saved settings after change modified them, and
// applies the same change to the settings in effect.
func (a *app) saveSettings(change func(*settings)) error {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	a.mu.Lock()
	change(&a.saved)
	change(&a.eff)
	s := a.saved
	a.mu.Unlock()
	if a.keepFile {
		a.log.Warn("settings not saved: the unreadable settings file is left as it is", "path", a.settingsPath)
		return nil
	}
	if err := s.save(a.settingsPath); err != nil {
		a.log.Error("save settings", "err", err)
		a.setNotice("Could not save the settings: " + err.Error())
		return err
	}
	return nil
}

// ToggleForwarding implements tray.App: it turns forwarding on or off at
// once and remembers the choice. Without a server, turning it on opens Grok
// Server… instead, and forwarding starts once a server is chosen.
func (a *app) ToggleForwarding() {
	a.mu.Lock()
	on := !a.eff.Forwarding
	noServer := a.eff.Server == ""
	a.mu.Unlock()
	if on && noServer {
		a.chooseServer(true)
		return
	}
	a.setForwarding(on)
}

// setForwarding turns forwarding on or off and remembers it.
func (a *app) setForwarding(on bool) {
	a.saveSettings(func(s *settings) { s.Forwarding = on })
	a.fwd.SetEnabled(on)
	a.log.Info("forwarding", "on", on)
	if on {
		a.forwardNow()
		a.startModels()
	}
}

// startModels starts Grok's anomaly models on every metric in the
// background, when an API key is stored for the server. Carbon forwarding
// does not need the key; models do.
func (a *app) startModels() {
	a.mu.Lock()
	s := a.eff
	a.mu.Unlock()
	if s.Server == "" {
		return
	}
	a.bg.Go(func() {
		key, err := loadAPIKey(s.Server)
		if err != nil {
			if errors.Is(err, errNoKeyring) {
				a.log.Warn("no keyring is available: points are forwarded, Grok models are not started (they need the API key)", "reason", err)
				a.setNotice("No keyring available: points are sent, models not started")
				return
			}
			a.log.Info("not starting Grok models", "reason", err)
			if errors.Is(err, errNoKey) {
				a.setServerStatus("No API key: points sent, no models — choose Grok Server…")
			}
			return
		}
		c, err := sync.NewClient(s.Server, key, sync.ClientOptions{CAFile: s.CAFile, PinSHA256: s.PinSHA256})
		if err != nil {
			a.log.Warn("Grok client", "err", err)
			return
		}
		// Cursors then move only past rows Grok says it stored.
		a.fwd.SetReceipts(c)
		a.ensureModels(c, s)
	})
}

// ensureModels starts Grok's models on every metric and says how it went
// under Grok Server…; it returns the message.
func (a *app) ensureModels(c *sync.Client, s settings) (string, bool) {
	host, _ := os.Hostname()
	metrics := make([]metric.Metric, len(metric.All))
	for i, m := range metric.All {
		m.Name = sync.MetricName(s.MetricPrefix, m.Name)
		metrics[i] = m
	}
	ctx, cancel := context.WithTimeout(a.ctx, 2*time.Minute)
	defer cancel()
	if err := c.EnsureModels(ctx, host, metrics); err != nil {
		a.log.Warn("starting Grok models", "err", err)
		msg := "Could not start Grok models: " + err.Error()
		var ue *sync.UntrustedCertError
		switch {
		case errors.As(err, &ue):
			msg = "Grok's certificate is not trusted (" + strings.Join(ue.Problems, "; ") + ") — choose Grok Server… to review it"
		case errors.Is(err, sync.ErrTLS):
			a.log.Error("Grok's certificate changed: nothing is sent to its API", "err", err)
			msg = "⚠ " + err.Error()
		}
		a.setServerStatus(msg)
		return msg, false
	}
	a.log.Info("Grok models started", "server", s.Server, "metrics", len(metrics))
	msg := fmt.Sprintf("Connected to %s — %d metrics monitored", serverAddr(s.Server, s.Port), len(metrics))
	a.setServerStatus(msg)
	return msg, true
}

// ChooseServer implements tray.App: it asks for the server and key, checks
// the key with the server, stores it in the keychain and the URL in the
// settings, and says at once how it went (a dialog, and the line under
// Grok Server…).
func (a *app) ChooseServer() { a.chooseServer(false) }

// chooseServer is ChooseServer; with forward set (chosen through "Forward
// to Grok" without a server) forwarding is turned on once a server is set.
func (a *app) chooseServer(forward bool) {
	if !a.dialogUp.CompareAndSwap(false, true) {
		return
	}
	a.mu.Lock()
	current := a.eff.Server
	a.mu.Unlock()
	a.bg.Go(func() {
		defer a.dialogUp.Store(false)
		raw, key, err := a.plat.AskServer(a.ctx, current)
		switch {
		case errors.Is(err, errCancelled):
			return
		case errors.Is(err, errNoDialog):
			a.setServerStatus("Set it in a terminal: rogue login --server URL")
			return
		case err != nil:
			a.log.Warn("server dialog", "err", err)
			a.setServerStatus("Could not ask for the server: " + err.Error())
			return
		}
		msg, ok := a.setServerAndTell(raw, key, forward)
		a.tell("Rogue — Grok Server", msg, !ok)
	})
}

// setServerAndTell is setServer with its outcome in words, shown under
// Grok Server…: the models started ("Connected to … — 13 metrics
// monitored") or why not.
func (a *app) setServerAndTell(raw, key string, forward bool) (string, bool) {
	c, err := a.setServer(raw, key)
	if err != nil {
		a.log.Warn("Grok server not changed", "err", err)
		a.setServerStatus(err.Error())
		return err.Error(), false
	}
	if forward {
		a.setForwarding(true) // starts the models too
	}
	a.mu.Lock()
	s := a.eff
	a.mu.Unlock()
	if !s.Forwarding {
		a.setServerStatus("Key accepted — turn on Forward to Grok")
		return "The key was accepted by " + s.Server + ". Turn on Forward to Grok to send metrics to it.", true
	}
	if c == nil {
		return "Grok server set to " + s.Server, true
	}
	return a.ensureModels(c, s)
}

// setServer checks key with the server at raw and, when accepted, stores
// both and returns a client for the server (nil if none can be made).
// Nothing changes when the check fails.
func (a *app) setServer(raw, key string) (*sync.Client, error) {
	u, err := normalizeServer(raw)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errors.New("No API key given; the server was not changed")
	}
	a.mu.Lock()
	s := a.eff
	a.mu.Unlock()
	// A pinned fingerprint is the old server's certificate: kept, it would
	// refuse every other server. (A CA file may sign many, so it stays.)
	dropPin := u != s.Server
	if dropPin {
		s.PinSHA256 = ""
	}
	a.setServerStatus("Checking the key with " + u + "…")
	var ask func(context.Context, string) (bool, error)
	if t, ok := a.plat.(certTruster); ok {
		ask = t.AskTrust
	}
	pin, err := verifyKeyTrusting(a.ctx, u, key, s, 30*time.Second, ask)
	if err != nil {
		return nil, fmt.Errorf("Server not changed: %v", err)
	}
	trusted := pin != s.PinSHA256
	if trusted {
		a.log.Info("certificate trusted and pinned", "server", u, "sha256", pin)
	}
	if err := saveAPIKey(u, key); err != nil {
		return nil, fmt.Errorf("Could not store the key: %v", err)
	}
	if err := a.saveSettings(func(s *settings) {
		s.Server = u
		if dropPin {
			s.PinSHA256 = ""
		}
		if trusted {
			s.PinSHA256 = pin
		}
	}); err != nil {
		return nil, err
	}
	a.mu.Lock()
	cfg := a.forwardConfig(a.eff)
	s = a.eff
	a.mu.Unlock()
	a.fwd.SetConfig(cfg)
	a.log.Info("Grok server set", "server", u)
	a.setServerStatus("Grok server set to " + u)
	c, err := sync.NewClient(u, key, sync.ClientOptions{CAFile: s.CAFile, PinSHA256: s.PinSHA256})
	if err != nil {
		a.log.Warn("Grok client", "err", err)
		return nil, nil
	}
	return c, nil
}

// exportRetention is how far back "Export CSV…" reaches: all the RRD
// files keep at full resolution.
const exportRetention = 14 * 24 * time.Hour

// ExportCSV implements tray.App: every metric of the last two weeks into a
// new dated folder, which is then shown in the file manager.
func (a *app) ExportCSV() {
	if !a.exporting.CompareAndSwap(false, true) {
		return
	}
	now := a.now()
	home, _ := os.UserHomeDir()
	dir := exportDir(home, now)
	a.mu.Lock()
	a.export = tray.ExportState{Running: true, Total: len(metric.All) + 1}
	a.mu.Unlock()
	a.bg.Go(func() {
		defer a.exporting.Store(false)
		sum, err := sync.ExportFolder(a.ctx, a.prefix, dir, now.Add(-exportRetention), now, func(done, total int) {
			a.mu.Lock()
			a.export.Done, a.export.Total = done, total
			a.mu.Unlock()
			a.refresh()
		})
		empty := err == nil && sum.Points == 0 || errors.Is(err, sync.ErrNoRRDs)
		if empty {
			err = nil
			// Nothing stored yet: the folder holds headers only.
			os.RemoveAll(dir)
		}
		a.mu.Lock()
		switch {
		case err != nil:
			a.export = tray.ExportState{Err: err.Error(), Folder: dir}
		case empty:
			a.export = tray.ExportState{Empty: true}
		default:
			a.export = tray.ExportState{Folder: tildePath(home, dir)}
		}
		a.mu.Unlock()
		a.refresh()
		switch {
		case err != nil:
			a.log.Error("export", "dir", dir, "err", err)
			return
		case empty:
			a.log.Info("export: no samples stored yet")
			a.tell("Export CSV", "Nothing to export yet: no samples are stored. Try again in a minute.", false)
			return
		}
		a.log.Info("exported", "dir", dir, "points", sum.Points, "rows", sum.Rows)
		for _, b := range sum.Bad {
			a.log.Warn("not exported: the RRD file could not be read", "metric", b.Name, "err", b.Err)
		}
		if len(sum.Bad) > 0 {
			a.setNotice(fmt.Sprintf("Exported; %d metric(s) not exported: unreadable RRD file (see the log)", len(sum.Bad)))
		}
		if err := a.plat.Reveal(dir); err != nil {
			a.log.Warn("reveal export", "err", err)
			a.setNotice("Could not show the export: " + err.Error())
		}
	})
	a.refresh()
}

// tildePath writes path with the home folder as "~", as the menu shows it.
func tildePath(home, path string) string {
	if rel, err := filepath.Rel(home, path); err == nil && home != "" && filepath.IsLocal(rel) {
		return "~" + string(filepath.Separator) + rel
	}
	return path
}

// exportDir returns a new folder for an export at now: under ~/Documents,
// else ~/Downloads, else the home folder, named "Rogue export <date time>"
// and numbered when that exists already.
func exportDir(home string, now time.Time) string {
	parent := home
	for _, d := range []string{"Documents", "Downloads"} {
		if fi, err := os.Stat(filepath.Join(home, d)); err == nil && fi.IsDir() {
			parent = filepath.Join(home, d)
			break
		}
	}
	base := filepath.Join(parent, "Rogue export "+now.Format("2006-01-02 15.04.05"))
	dir := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s (%d)", base, i)
	}
}

// KeyStats implements tray.App: it starts the OS's walk-through for key
// access when key events are not flowing, and says what is recorded.
func (a *app) KeyStats() {
	if a.agent.Snapshot().Keys.Flowing {
		// The line under the item says so already; a dialog says more.
		a.bg.Go(func() {
			a.tell("Keystroke statistics", "Rogue records typing rhythm: how many keys, and the times between and during presses. Never which keys.", false)
		})
		return
	}
	if ok, hint := a.plat.KeyAccess(); !ok && hint != "" {
		a.setNotice(hint)
	}
	a.bg.Go(func() { a.plat.RequestKeyAccess(a.ctx) })
}

// offerKeyAccess starts the OS's walk-through for key access once, at the
// first run with a menu, when key events may not be observed yet.
func (a *app) offerKeyAccess() {
	a.mu.Lock()
	asked := a.saved.KeyAccessAsked
	a.mu.Unlock()
	if asked {
		return
	}
	if ok, _ := a.plat.KeyAccess(); !ok {
		a.bg.Go(func() { a.plat.RequestKeyAccess(a.ctx) })
	}
	a.saveSettings(func(s *settings) { s.KeyAccessAsked = true })
}

// ToggleLoginItem implements tray.App.
func (a *app) ToggleLoginItem() {
	a.mu.Lock()
	on := !a.loginItem
	a.mu.Unlock()
	if err := a.plat.SetLoginItem(on); err != nil {
		a.log.Warn("login item", "err", err)
		a.setNotice("Could not change Start at Login: " + err.Error())
	}
	now, err := a.plat.LoginItem()
	if err != nil {
		a.log.Warn("login item", "err", err)
		return
	}
	a.mu.Lock()
	a.loginItem = now
	a.mu.Unlock()
	a.log.Info("start at login", "on", now)
}

// OpenDataFolder implements tray.App. When the folder cannot be shown the
// menu says why and where it is.
func (a *app) OpenDataFolder() {
	if err := a.plat.Reveal(a.prefix); err != nil {
		a.log.Warn("open data folder", "err", err)
		a.setNotice("Could not open the data folder: " + err.Error())
		a.bg.Go(func() {
			a.tell("Open Data Folder", "Could not open the data folder: "+err.Error()+"\n\nIt is "+a.prefix, true)
		})
	}
}

// aboutShower is implemented by platforms that can show an About box.
type aboutShower interface {
	ShowAbout(ctx context.Context, text string) error
}

// About implements tray.App.
func (a *app) About() {
	text := fmt.Sprintf("Rogue %s\n\nCollects vital signs and typing rhythm (timings only, never which keys) and forwards them to Grok.\n\nData: %s\nSettings: %s\nLog: %s",
		version, a.prefix, a.settingsPath, filepath.Join(a.dirs.Logs, "rogue.log"))
	if s, ok := a.plat.(aboutShower); ok {
		// One About dialog at a time: a second click while it is up
		// does nothing.
		if !a.aboutUp.CompareAndSwap(false, true) {
			return
		}
		a.bg.Go(func() {
			defer a.aboutUp.Store(false)
			if err := s.ShowAbout(a.ctx, text); err != nil {
				a.setNotice("Rogue " + version + " · data in " + a.prefix)
			}
		})
		return
	}
	a.setNotice("Rogue " + version + " · data in " + a.prefix)
}

// Diagnostics implements tray.App: rogue doctor's report, with the running
// app's own key tap and forwarding status, written to diagnostics.txt in
// the logs folder (0600; it holds no secret) and opened.
func (a *app) Diagnostics() {
	a.mu.Lock()
	on := a.eff.Forwarding
	a.mu.Unlock()
	fwd := ""
	if on {
		fwd = a.fwd.Status().Format(a.now())
	}
	d := &doctor{
		plat:         newDoctorPlatform(),
		keys:         apiKeys,
		dirs:         a.dirs,
		prefix:       a.prefix,
		settingsPath: a.settingsPath,
		timeout:      5 * time.Second,
		now:          a.now(),
		live:         &liveState{Keys: a.agent.Snapshot().Keys, ForwardStatus: fwd},
	}
	a.bg.Go(func() {
		ctx, cancel := context.WithTimeout(a.ctx, time.Minute)
		defer cancel()
		var b bytes.Buffer
		act := writeReport(&b, d.now, d.report(ctx))
		dir := a.dirs.Logs
		if dir == "" {
			dir = a.dirs.Config
		}
		path := filepath.Join(dir, "diagnostics.txt")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			a.setNotice("Could not write the diagnostics: " + err.Error())
			return
		}
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			a.setNotice("Could not write the diagnostics: " + err.Error())
			return
		}
		a.log.Info("diagnostics written", "path", path, "needs_action", act)
		msg := "Diagnostics: " + path
		if act {
			msg += " (items marked ! need your action)"
		}
		a.setNotice(msg)
		if err := a.plat.Reveal(path); err != nil {
			a.log.Info("open diagnostics", "err", err)
		}
	})
}

// Quit implements tray.App.
func (a *app) Quit() {
	a.log.Info("quit chosen in the menu")
	a.quit()
}
