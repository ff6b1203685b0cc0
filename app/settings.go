package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/sync"
)

// settings are the menu-bar app's preferences, kept as JSON in
// <config>/settings.json. The Grok API key is never among them: it lives in
// the Keychain / Secret Service (keyring.go).
type settings struct {
	// Interval is the collection step in seconds.
	Interval int `json:"interval"`
	// Heartbeat is the RRD heartbeat in seconds: the longest gap between
	// samples that still counts as known.
	Heartbeat int `json:"heartbeat"`
	// Server is the Grok server URL; empty when none is chosen.
	Server string `json:"server"`
	// Port is the Grok server's Carbon plaintext port.
	Port int `json:"port"`
	// MetricPrefix is put before each metric name sent to Grok.
	MetricPrefix string `json:"metric_prefix"`
	// Forwarding reports whether "Forward to Grok" is on.
	Forwarding bool `json:"forwarding"`
	// CAFile is a PEM file of extra certificates to trust for the server.
	CAFile string `json:"ca_file"`
	// PinSHA256 is the SHA-256 fingerprint of the server's certificate,
	// accepted whoever signed it.
	PinSHA256 string `json:"pin_sha256"`
	// KeyAccessAsked records that the first-run walk-through for key access
	// (the macOS Input Monitoring prompt) was offered, so it is offered once;
	// afterwards the menu's "Keystroke statistics" row starts it again.
	KeyAccessAsked bool `json:"key_access_asked"`
	// DisplayInterval is how often, in seconds, the menu's values are
	// refreshed from the live sampler, whatever the storage step.
	DisplayInterval int `json:"display_interval"`
	// AnomalyThreshold is the anomaly likelihood at or above which the menu
	// marks a metric (0 < t <= 1); absent, or out of that range, means the
	// detector's default (see settings.threshold in anomaly.go).
	AnomalyThreshold float64 `json:"anomaly_threshold,omitempty"`
	// AnomalyNotify turns on a notification for each anomaly.
	AnomalyNotify bool `json:"anomaly_notify,omitempty"`
	// ChartsPort is the loopback port of the charts page; 0 picks a free
	// one at each start.
	ChartsPort int `json:"charts_port,omitempty"`
}

// Defaults of the settings, as numenta-rogue had them.
const (
	defaultInterval  = 60
	defaultHeartbeat = 600
	defaultPort      = 2003
	// defaultDisplayInterval is the display cadence: live values every 2 s
	// cost about 0.3 ms of CPU each.
	defaultDisplayInterval = 2
	maxDisplayInterval     = 3600
)

// maxSeconds bounds the interval and the heartbeat (a year): larger values
// mean nothing for a metrics agent, and far larger ones overflow a
// time.Duration (about 292 years) when turned into one.
const maxSeconds = 365 * 24 * 60 * 60

// defaultSettings returns the settings used when there is no file.
func defaultSettings() settings {
	return settings{Interval: defaultInterval, Heartbeat: defaultHeartbeat, Port: defaultPort,
		DisplayInterval: defaultDisplayInterval}
}

// settingsFile is the name of the settings file in the config folder.
const settingsFile = "settings.json"

// errBadSettings is matched (errors.Is) by the error loadSettings returns
// for a settings file that exists but cannot be used: unreadable, not JSON,
// or values out of range.
var errBadSettings = errors.New("settings file unusable")

// badSettingsError is the error of loadSettings for an unusable file.
type badSettingsError struct {
	Path  string // the settings file
	Aside string // where it was moved; empty when it could not be moved
	Err   error  // what is wrong with it
	Move  error  // why it could not be moved aside
}

func (e *badSettingsError) Error() string {
	if e.Aside == "" {
		return fmt.Sprintf("%s: %v (and it could not be moved aside: %v); using defaults", e.Path, e.Err, e.Move)
	}
	return fmt.Sprintf("%s: %v; kept as %s, using defaults", e.Path, e.Err, filepath.Base(e.Aside))
}

func (e *badSettingsError) Is(target error) bool { return target == errBadSettings }
func (e *badSettingsError) Unwrap() error        { return e.Err }

// badFieldsError is the error of loadSettings for a file that is JSON but
// has fields with a wrong type or a value out of range: those fields take
// their defaults, the others are kept. A copy of the file as it was is kept
// aside (Aside), since the next save writes the defaults in its place.
type badFieldsError struct {
	Path   string
	Fields []fieldError // in the order of the settings struct
	Aside  string       // the copy kept; empty when it could not be made
	Copy   error        // why no copy could be made
}

// fieldError is one unusable field of the settings file.
type fieldError struct {
	Name    string // the JSON name, e.g. "interval"
	Default string // the value used instead, as JSON
	Err     error
}

func (e *badFieldsError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = fmt.Sprintf("%q: %v (using %s)", f.Name, f.Err, f.Default)
	}
	msg := fmt.Sprintf("%s: %s", e.Path, strings.Join(parts, "; "))
	if e.Aside != "" {
		msg += "; the file as it was is kept as " + filepath.Base(e.Aside)
	} else if e.Copy != nil {
		msg += fmt.Sprintf("; no copy could be kept (%v), so the file is not changed this run", e.Copy)
	}
	return msg
}

// Names lists the unusable fields' names.
func (e *badFieldsError) Names() []string {
	n := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		n[i] = f.Name
	}
	return n
}

// loadSettings reads the settings file at path. A missing file gives the
// defaults; fields missing from the file take their defaults.
//
// A file that is not a JSON object at all (truncated by a crash, empty,
// garbage) is renamed to "settings.json.bad-<UTC time>" so that nothing the
// user wrote is lost, and the defaults are returned with a
// *badSettingsError saying where the file went. A field of the wrong type
// or out of range costs only that field: it takes its default, the other
// fields are kept, a copy of the file is kept under that name, and a
// *badFieldsError names the fields.
func loadSettings(path string, now time.Time) (settings, error) {
	s := defaultSettings()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	var fields []fieldError
	if err == nil {
		fields, err = parseSettings(data, &s)
	}
	aside := path + ".bad-" + now.UTC().Format("20060102T150405Z")
	if err == nil && len(fields) > 0 {
		bad := &badFieldsError{Path: path, Fields: fields}
		if bad.Copy = copyAside(data, aside); bad.Copy == nil {
			bad.Aside = aside
		}
		return s, bad
	}
	if err == nil {
		return s, nil
	}
	bad := &badSettingsError{Path: path, Err: err}
	if bad.Move = os.Rename(path, aside); bad.Move == nil {
		bad.Aside = aside
	}
	return defaultSettings(), bad
}

// copyAside writes data to a new file at path (never over an existing one).
func copyAside(data []byte, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// settingsFields lists the settings' JSON names with a pointer to each
// field of s, in the struct's order.
func settingsFields(s *settings) []struct {
	name string
	ptr  any
} {
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	out := make([]struct {
		name string
		ptr  any
	}, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, struct {
			name string
			ptr  any
		}{name, v.Field(i).Addr().Interface()})
	}
	return out
}

// parseSettings decodes data over s (which holds the defaults) field by
// field. It fails only when data is not a JSON object; a field that cannot
// be decoded or is out of range keeps its default and is reported in
// fields.
func parseSettings(data []byte, s *settings) (fields []fieldError, err error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if raw == nil {
		return nil, errors.New("not a JSON object")
	}
	def := defaultSettings()
	defFields := settingsFields(&def)
	for i, f := range settingsFields(s) {
		msg, ok := raw[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(msg, f.ptr); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				err = fmt.Errorf("%s is not a %s", msg, te.Type)
			}
			fields = append(fields, fieldError{Name: f.name, Err: err})
		} else if err := s.checkField(f.name); err != nil {
			fields = append(fields, fieldError{Name: f.name, Err: err})
		} else {
			continue
		}
		// Back to the default.
		reflect.ValueOf(f.ptr).Elem().Set(reflect.ValueOf(defFields[i].ptr).Elem())
		d, _ := json.Marshal(defFields[i].ptr)
		fields[len(fields)-1].Default = string(d)
	}
	return fields, nil
}

// checkField reports whether the field with the JSON name is in range.
func (s settings) checkField(name string) error {
	switch name {
	case "interval":
		if s.Interval < 1 || s.Interval > maxSeconds {
			return fmt.Errorf("interval %d s: must be 1 to %d", s.Interval, maxSeconds)
		}
	case "heartbeat":
		if s.Heartbeat < 1 || s.Heartbeat > maxSeconds {
			return fmt.Errorf("heartbeat %d s: must be 1 to %d", s.Heartbeat, maxSeconds)
		}
	case "port":
		if s.Port < 1 || s.Port > 65535 {
			return fmt.Errorf("port %d: must be 1 to 65535", s.Port)
		}
	case "metric_prefix":
		// The forwarder refuses these too; refused here, Rogue starts with
		// the default instead of not at all.
		if err := sync.CheckMetricPrefix(s.MetricPrefix); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "sync: "))
		}
	case "server":
		if s.Server != "" {
			if _, err := normalizeServer(s.Server); err != nil {
				return err
			}
		}
	case "charts_port":
		if s.ChartsPort < 0 || s.ChartsPort > 65535 {
			return fmt.Errorf("charts port %d: must be 0 (any free port) to 65535", s.ChartsPort)
		}
	case "display_interval":
		if s.DisplayInterval < 1 || s.DisplayInterval > maxDisplayInterval {
			return fmt.Errorf("display interval %d s: must be 1 to %d", s.DisplayInterval, maxDisplayInterval)
		}
	}
	return nil
}

// validate reports the first value out of range.
func (s settings) validate() error {
	for _, f := range settingsFields(&s) {
		if err := s.checkField(f.name); err != nil {
			return err
		}
	}
	return nil
}

// save writes s to path atomically: a temporary file in the same folder is
// written, synced and renamed over the old one, and the folder is synced, so
// that a crash leaves either the old or the new file, never a torn one.
func (s settings) save(path string) error {
	if err := s.validate(); err != nil {
		return fmt.Errorf("settings: not saving: %w", err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := writeConfigFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

// writeConfigFile replaces path with data (see settings.save), creating its
// folder when missing.
func writeConfigFile(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
