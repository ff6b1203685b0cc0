package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
	"github.com/rogue-metrics/rogue/sync"
)

func init() {
	register(command{Name: "doctor", Summary: "print what a support request needs; exit 1 when something needs your action", Run: runDoctor})
}

// finding is one line of the doctor's report.
type finding struct {
	Topic string // what was checked, e.g. "keychain"
	Value string // what was found
	// Action says what the user must do; empty when nothing. Any action
	// makes rogue doctor exit 1.
	Action string
}

// doctorPlatform is what the report asks the operating system
// (doctor_linux.go, doctor_darwin.go).
type doctorPlatform interface {
	// OSVersion names the system, e.g. "macOS 14.2.1" or "Debian GNU/Linux
	// 12 (bookworm), Linux 6.1.0-18-amd64".
	OSVersion() string
	// Permissions reports each permission key events need (macOS: Input
	// Monitoring and Accessibility); none on Linux.
	Permissions() []finding
	// KeyTap reports whether the key tap runs, given the running app's key
	// status, or, when live is nil, by running a tap for a moment.
	KeyTap(ctx context.Context, live *agent.KeyStatus) finding
	// LoginItem reports whether and how Rogue starts at login.
	LoginItem() finding
}

// doctorPlatformFor returns the platform rogue doctor reports on; tests
// replace it.
var doctorPlatformFor = newDoctorPlatform

// doctor gathers the report. Everything it reads it only reads: no file,
// setting or keychain item is changed, and no secret is printed.
type doctor struct {
	plat         doctorPlatform
	keys         secretStore
	dirs         dirs
	prefix       string // RRD folder
	settingsPath string
	timeout      time.Duration // for each network check
	offline      bool          // skip the network checks
	now          time.Time
	// live holds the running app's state for the menu's Diagnostics…;
	// nil for rogue doctor.
	live *liveState
}

// liveState is what the running app knows better than a fresh look.
type liveState struct {
	Keys          agent.KeyStatus
	ForwardStatus string
}

// report returns every finding, in the order printed.
func (d *doctor) report(ctx context.Context) []finding {
	out := []finding{
		{Topic: "version", Value: buildSummary()},
		{Topic: "system", Value: d.plat.OSVersion()},
	}
	out = append(out, d.plat.Permissions()...)
	var live *agent.KeyStatus
	if d.live != nil {
		live = &d.live.Keys
	}
	out = append(out, d.plat.KeyTap(ctx, live), d.plat.LoginItem())
	s, sf := d.settings()
	out = append(out, sf, d.keychain(s), d.dataFolder())
	out = append(out, d.rrdFiles(s)...)
	out = append(out, d.otherFiles())
	out = append(out, d.forwarding(ctx, s), d.certificate(ctx, s))
	return out
}

// writeReport prints findings; an action is marked "!" and followed by what
// to do. It reports whether any finding needs the user's action.
func writeReport(w io.Writer, now time.Time, fs []finding) bool {
	fmt.Fprintf(w, "Rogue diagnostics, %s\n\n", now.UTC().Format("2006-01-02 15:04:05 UTC"))
	act := 0
	for _, f := range fs {
		mark := " "
		if f.Action != "" {
			mark = "!"
			act++
		}
		fmt.Fprintf(w, "%s %-24s %s\n", mark, f.Topic, f.Value)
		if f.Action != "" {
			fmt.Fprintf(w, "  %-24s → %s\n", "", f.Action)
		}
	}
	if act == 0 {
		fmt.Fprintf(w, "\nNothing needs your action.\n")
	} else {
		fmt.Fprintf(w, "\n%d item(s) marked ! need your action.\n", act)
	}
	return act > 0
}

func runDoctor(ctx context.Context, args []string, io stdio) int {
	flags := newFlagSet("rogue doctor", io.Err)
	prefix := flags.String("prefix", "", "`folder` of the RRD files (default: Rogue's data folder)")
	timeout := flags.Duration("timeout", 5*time.Second, "how long each network check may take")
	offline := flags.Bool("offline", false, "skip the network checks (Carbon port, certificate)")
	flags.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: rogue doctor [flags]\n\n"+
			"Prints what a support request needs: version, system, permissions, whether\n"+
			"the key tap runs, the login item, whether the keychain is reachable (never\n"+
			"the key), the data folder, each RRD file's state, forwarding and the\n"+
			"server's certificate fingerprint. Nothing is changed. Exits 1 when\n"+
			"something needs your action (marked !), 0 otherwise, 2 for bad flags.\n\nFlags:\n")
		flags.PrintDefaults()
	}
	if code, ok := parseFlags(flags, args, nil); !ok {
		return code
	}
	d, err := defaultDirs()
	if err != nil {
		fmt.Fprintf(io.Err, "rogue doctor: %v\n", err)
		return 1
	}
	p := *prefix
	if p == "" {
		p = filepath.Join(d.Data, "db")
	}
	if p, err = filepath.Abs(p); err != nil {
		fmt.Fprintf(io.Err, "rogue doctor: %v\n", err)
		return 2
	}
	doc := &doctor{
		plat:         doctorPlatformFor(),
		keys:         apiKeys,
		dirs:         d,
		prefix:       p,
		settingsPath: filepath.Join(d.Config, settingsFile),
		timeout:      *timeout,
		offline:      *offline,
		now:          time.Now(),
	}
	if writeReport(io.Out, doc.now, doc.report(ctx)) {
		return 1
	}
	return 0
}

// buildSummary is the version line: Rogue's version, the Go toolchain, the
// platform and the commit it was built from.
func buildSummary() string {
	s := "rogue " + version + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, at, dirty string
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				rev = kv.Value
			case "vcs.time":
				at = kv.Value
			case "vcs.modified":
				if kv.Value == "true" {
					dirty = "+changes"
				}
			}
		}
		if rev != "" {
			s += ", commit " + rev[:min(12, len(rev))] + dirty
		}
		if at != "" {
			s += " of " + at
		}
	}
	return s + ")"
}

// settings reads the settings file; an unusable one needs the user.
func (d *doctor) settings() (settings, finding) {
	f := finding{Topic: "settings", Value: d.settingsPath}
	s, err := loadSettingsReadOnly(d.settingsPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.Value += " (none yet: defaults)"
	case errors.As(err, new(*badFieldsError)):
		f.Value = err.Error()
		f.Action = "fix those fields; Rogue uses their defaults and keeps the others"
	case errors.Is(err, syscall.ENOTDIR):
		// A file where a folder of the path should be: the file itself is
		// not the trouble.
		f.Value += ": a part of the path is a file, not a folder"
		f.Action = "move that file away (Rogue makes its folders) or set another home folder"
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is on the line already
		}
		f.Value += ": " + err.Error()
		f.Action = "fix or remove the file; Rogue starts with defaults and sets it aside"
	}
	return s, f
}

// loadSettingsReadOnly reads the settings like loadSettings, without
// moving an unusable file aside.
func loadSettingsReadOnly(path string) (settings, error) {
	s := defaultSettings()
	data, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	fields, err := parseSettings(data, &s)
	if err != nil {
		return defaultSettings(), err
	}
	if len(fields) > 0 {
		// Those fields take their defaults, the others are used.
		return s, &badFieldsError{Path: path, Fields: fields}
	}
	return s, nil
}

// keychain says whether a key is stored for the server, without reading it.
func (d *doctor) keychain(s settings) finding {
	f := finding{Topic: "keychain"}
	if s.Server == "" {
		f.Value = "no Grok server set, no key needed"
		return f
	}
	ok, err := d.keys.Exists(s.Server)
	switch {
	case errors.Is(err, errNoKeyring):
		// A headless session: Carbon forwarding needs no key.
		f.Value = "none in this session (" + err.Error() + "): points are sent, Grok's models need the key"
	case err != nil:
		f.Value = "unreachable: " + err.Error()
		f.Action = "unlock the keychain (Linux: start the Secret Service, e.g. gnome-keyring) and run rogue doctor again"
	case ok:
		f.Value = "reachable; an API key is stored for " + s.Server
	default:
		f.Value = "reachable; no API key stored for " + s.Server + " (points are sent, Grok's models are not started)"
	}
	return f
}

// dataFolder checks that the RRD folder exists, is a folder of the user's
// only (0700) and writable.
func (d *doctor) dataFolder() finding {
	f := finding{Topic: "data folder", Value: d.prefix}
	fi, err := os.Stat(d.prefix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.Value += " (not created yet: Rogue has not run)"
		return f
	case err != nil:
		f.Value += ": " + err.Error()
		f.Action = "make the folder readable, or choose another with --prefix"
		return f
	case !fi.IsDir():
		f.Value += ": not a folder"
		f.Action = "move the file away; Rogue makes the folder"
		return f
	}
	f.Value += fmt.Sprintf(" (mode %04o)", fi.Mode().Perm())
	if fi.Mode().Perm()&0o077 != 0 {
		f.Action = fmt.Sprintf("other users can look into it: chmod 700 %q", d.prefix)
	}
	switch held, pid, command, err := dataFolderHolder(d.prefix); {
	case err != nil:
		f.Value += ", in use unknown: " + err.Error()
	case held && pid > 0 && command != "":
		f.Value += fmt.Sprintf(", in use by Rogue (pid %d: %s)", pid, command)
	case held:
		f.Value += ", in use by Rogue"
	default:
		f.Value += ", no Rogue running on it"
	}
	if probe, err := os.CreateTemp(d.prefix, ".doctor-*"); err != nil {
		f.Value += ", not writable: " + err.Error()
		f.Action = "make the folder writable for you"
	} else {
		probe.Close()
		os.Remove(probe.Name())
	}
	return f
}

// rrdFiles reports each metric's file: ok with its last update, missing,
// unreadable, and any copies set aside next to it.
func (d *doctor) rrdFiles(s settings) []finding {
	var out []finding
	stale := 2 * time.Duration(max(s.Heartbeat, 2*s.Interval)) * time.Second
	for _, m := range metric.All {
		path := filepath.Join(d.prefix, m.Name+".rrd")
		f := finding{Topic: m.Name + ".rrd"}
		switch fi, err := os.Stat(path); {
		case errors.Is(err, fs.ErrNotExist):
			f.Value = "missing (made at the next start)"
		case err != nil:
			f.Value = "unreadable: " + err.Error()
			f.Action = "make it readable"
		case !fi.Mode().IsRegular():
			f.Value = "not a file"
			f.Action = "move it away; Rogue makes the file"
		default:
			f.Value, f.Action = rrdState(path, d.now, stale)
			// The agent makes the files 0600 and the folder 0700 (see
			// agent.MakePrivate) at each start.
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				f.Value += fmt.Sprintf("; mode %04o, readable by other users", perm)
				if f.Action == "" {
					f.Action = fmt.Sprintf("chmod 600 %q, or restart Rogue: it makes its files private when it starts", path)
				}
			}
		}
		if aside, _ := filepath.Glob(filepath.Join(d.prefix, m.Name+".rrd.*")); len(aside) > 0 {
			names := make([]string, len(aside))
			for i, a := range aside {
				names[i] = filepath.Base(a)
			}
			f.Value += "; set aside: " + strings.Join(names, ", ")
		}
		out = append(out, f)
	}
	return out
}

// otherFiles reports the rest of what the data folder holds that other
// users could read: the anomaly scores' folder and files, the forwarding
// cursors, CSV exports, files set aside. (The metrics' RRD files have a
// finding each.)
func (d *doctor) otherFiles() finding {
	f := finding{Topic: "other data files"}
	if _, err := os.Stat(d.prefix); err != nil {
		f.Value = "none yet"
		return f
	}
	metricFile := map[string]bool{}
	for _, m := range metric.All {
		metricFile[m.Name+".rrd"] = true
	}
	var open []string
	n := 0
	const maxEntries = 10000 // a folder that large is not Rogue's
	err := filepath.WalkDir(d.prefix, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil // reported below as far as it matters: unreadable entries are not open to others
		}
		if n++; n > maxEntries {
			return fs.SkipAll
		}
		rel, _ := filepath.Rel(d.prefix, path)
		switch {
		case rel == ".":
			return nil // the folder's own finding
		case e.IsDir() && filepath.Dir(rel) != ".":
			return fs.SkipDir // Rogue keeps files one level deep at most
		case !e.IsDir() && filepath.Dir(rel) == "." && metricFile[rel]:
			return nil
		}
		if fi, err := e.Info(); err == nil && fi.Mode().Perm()&0o077 != 0 {
			open = append(open, fmt.Sprintf("%s (mode %04o)", rel, fi.Mode().Perm()))
		}
		return nil
	})
	switch {
	case err != nil:
		f.Value = "unreadable: " + err.Error()
	case len(open) == 0:
		f.Value = "private to you"
	default:
		shown := open[:min(len(open), 5)]
		f.Value = "readable by other users: " + strings.Join(shown, ", ")
		if len(open) > len(shown) {
			f.Value += fmt.Sprintf(" and %d more", len(open)-len(shown))
		}
		f.Action = fmt.Sprintf("restart Rogue (it makes its files private when it starts), or chmod -R go= %q", d.prefix)
	}
	return f
}

// rrdState opens one RRD file read-only in effect (it is not changed) and
// says how current it is.
func rrdState(path string, now time.Time, stale time.Duration) (value, action string) {
	f, err := rrd.Open(path)
	if err != nil {
		return "unusable: " + err.Error(), "move it away (Rogue then starts the series anew) or run rogue agent --reset"
	}
	defer f.Close()
	in, err := f.Info()
	if err != nil {
		return "unusable: " + err.Error(), "move it away (Rogue then starts the series anew) or run rogue agent --reset"
	}
	age := now.Sub(in.LastUpdate).Truncate(time.Second)
	v := fmt.Sprintf("ok, step %s, last update %s (%s ago)", in.Step, in.LastUpdate.Local().Format("2006-01-02 15:04:05"), age)
	if age > stale {
		v += ", not updated lately: is Rogue running?"
	}
	return v, ""
}

// forwarding reports whether forwarding is on, how far behind the cursors
// are, and whether the Carbon port answers.
func (d *doctor) forwarding(ctx context.Context, s settings) finding {
	f := finding{Topic: "forwarding"}
	if s.Server == "" {
		f.Value = "off (no Grok server set)"
		return f
	}
	state := "off"
	if s.Forwarding {
		state = "on"
	}
	addr, err := sync.CarbonAddr(s.Server, s.Port)
	if err != nil {
		f.Value = state + ", server " + s.Server + ": " + err.Error()
		f.Action = "choose the Grok server again (menu: Grok Server…, or rogue login --server URL)"
		return f
	}
	f.Value = fmt.Sprintf("%s, to %s (Carbon %s), %s", state, s.Server, addr, d.pending())
	if d.live != nil && d.live.ForwardStatus != "" {
		f.Value += "; " + d.live.ForwardStatus
	}
	if d.offline {
		return f
	}
	dctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		f.Value += "; Carbon port unreachable: " + err.Error()
		if s.Forwarding {
			f.Action = "check the network and the server's Carbon port (settings: server, port)"
		}
		return f
	}
	c.Close()
	f.Value += "; Carbon port reachable"
	return f
}

// pending sums the rows each metric's Grok cursor is behind its file.
func (d *doctor) pending() string {
	var rows int64
	never := 0
	for _, m := range metric.All {
		f, err := rrd.Open(filepath.Join(d.prefix, m.Name+".rrd"))
		if err != nil {
			continue
		}
		in, err := f.Info()
		f.Close()
		if err != nil || in.Step <= 0 {
			continue
		}
		c, err := sync.ReadCursor(sync.CursorPath(d.prefix, m.Name, sync.Grok))
		if err != nil || c.IsZero() {
			never++
			continue
		}
		if behind := in.LastUpdate.Sub(c.Time()); behind > 0 {
			rows += int64(behind / in.Step)
		}
	}
	s := fmt.Sprintf("about %d points pending", rows)
	if never > 0 {
		s += fmt.Sprintf(", %d metrics never sent", never)
	}
	return s
}

// certificate fetches the server's certificate and prints its SHA-256
// fingerprint, and whether it is trusted (system roots or the CA file) or
// pinned.
func (d *doctor) certificate(ctx context.Context, s settings) finding {
	f := finding{Topic: "server certificate"}
	if s.PinSHA256 != "" {
		f.Value = "pinned " + s.PinSHA256
	}
	u, err := url.Parse(s.Server)
	switch {
	case s.Server == "":
		f.Value = "no Grok server set"
		return f
	case err != nil || u.Hostname() == "":
		f.Value = "bad server URL"
		return f
	case u.Scheme != "https":
		f.Value = "none: " + u.Scheme + " is not encrypted"
		return f
	case d.offline:
		if f.Value == "" {
			f.Value = "not checked (--offline)"
		}
		return f
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	dctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	// Only to read the certificate: it is verified below, and nothing is
	// sent over this connection.
	td := tls.Dialer{Config: &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: true}}
	conn, err := td.DialContext(dctx, "tcp", host)
	if err != nil {
		f.Value = strings.TrimSpace(f.Value + " · cannot fetch it from " + host + ": " + err.Error())
		if s.Forwarding {
			f.Action = "check that the server is up and its address is right"
		}
		return f
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		f.Value, f.Action = "the server sent no certificate", "check the server's TLS set-up"
		return f
	}
	fp := sync.CertFingerprint(certs[0].Raw)
	f.Value = "SHA-256 " + fp
	if s.PinSHA256 != "" {
		pin, err := sync.ParseFingerprint(s.PinSHA256)
		if err != nil || sync.Fingerprint(pin[:]) != fp {
			f.Value += ", NOT the pinned " + s.PinSHA256
			f.Action = "the server's certificate changed: confirm the new fingerprint with the server's administrator, then rogue login --pin NEW"
		} else {
			f.Value += ", matches the pin"
		}
		return f
	}
	trust, how := verifyChain(u.Hostname(), certs, s.CAFile)
	f.Value += ", " + how
	if !trust {
		f.Action = "confirm this fingerprint with the server's administrator, then rogue login --pin " + fp + " (or --ca-file)"
	}
	return f
}

// verifyChain checks certs against the system roots plus the CA file.
func verifyChain(host string, certs []*x509.Certificate, caFile string) (bool, string) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	how := "trusted by the system"
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			return false, "CA file " + caFile + " unusable, not trusted"
		}
		how = "trusted (system or CA file " + caFile + ")"
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{DNSName: host, Roots: pool, Intermediates: inter}); err != nil {
		return false, "NOT trusted: " + err.Error()
	}
	return true, how
}

// keyTapProbe is how long the doctor runs a key tap to see that it works.
const keyTapProbe = time.Second

// keyTapFinding reports live, or the outcome of running the platform's tap
// for keyTapProbe. With accessHint or refusedHint set (macOS), a tap that
// is not allowed or refused needs the user's action.
func keyTapFinding(ctx context.Context, live *agent.KeyStatus, accessHint, refusedHint string) finding {
	f := finding{Topic: "key tap"}
	var err error
	if live != nil {
		if live.Flowing {
			f.Value = "runs"
			if !live.LastEvent.IsZero() {
				f.Value += ", last key event " + time.Since(live.LastEvent).Truncate(time.Second).String() + " ago"
			}
			return f
		}
		err = live.Err
		if err == nil {
			err = errors.New("not started")
		}
	} else {
		pctx, cancel := context.WithTimeout(ctx, keyTapProbe)
		defer cancel()
		err = agent.NewKeyTap().Run(pctx, make(chan agent.KeyEvent, 1024))
		if err == nil {
			f.Value = "runs (tried for " + keyTapProbe.String() + ")"
			return f
		}
	}
	f.Value = "not running: " + err.Error()
	switch {
	case errors.Is(err, agent.ErrKeyRefused):
		f.Action = refusedHint
	case errors.Is(err, agent.ErrKeyAccess):
		f.Action = accessHint
	}
	return f
}
