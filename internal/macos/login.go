package macos

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"howett.net/plist"
)

// LoginStatus is the state of a login item, after SMAppService.Status.
type LoginStatus int

const (
	// LoginOff means Rogue does not start at login.
	LoginOff LoginStatus = iota
	// LoginOn means Rogue starts at login.
	LoginOn
	// LoginNeedsApproval means Rogue is registered but the user has to allow
	// it under System Settings › General › Login Items.
	LoginNeedsApproval
	// LoginNotFound means the system cannot find the app to register (for
	// example when it does not run from an app bundle).
	LoginNotFound
)

func (s LoginStatus) String() string {
	switch s {
	case LoginOff:
		return "off"
	case LoginOn:
		return "on"
	case LoginNeedsApproval:
		return "needs approval"
	case LoginNotFound:
		return "not found"
	}
	return fmt.Sprintf("LoginStatus(%d)", int(s))
}

// LoginBackend is one way of starting Rogue at login.
type LoginBackend interface {
	Status() (LoginStatus, error)
	Register() error
	Unregister() error
}

// ErrLoginNotFound is returned by LoginItem.Set when the system cannot find
// the app to register.
var ErrLoginNotFound = errors.New("macos: login item: Rogue must run from Rogue.app")

// LoginItem decides what "start at login" means: the primary backend
// (SMAppService on macOS 13 and later, else a LaunchAgent), plus a legacy
// LaunchAgent left over from macOS 12 that still starts Rogue and is
// therefore shown as on and removed when the user turns the item off.
type LoginItem struct {
	Primary LoginBackend
	Legacy  LoginBackend // nil when Primary is the LaunchAgent itself
	// OpenSettings opens System Settings › General › Login Items; it is
	// called when registration needs the user's approval.
	OpenSettings func() error
}

// Enabled reports whether Rogue will start at login, as the checkbox should
// show it: a registration still waiting for approval does not start Rogue,
// so it is off until the user approves it.
func (l LoginItem) Enabled() (bool, error) {
	s, err := l.Primary.Status()
	if err != nil {
		return false, fmt.Errorf("macos: login item status: %w", err)
	}
	if s == LoginOn {
		return true, nil
	}
	if l.Legacy != nil {
		if ls, err := l.Legacy.Status(); err == nil && ls == LoginOn {
			return true, nil
		}
	}
	return false, nil
}

// Set turns starting at login on or off. Turning it on when the system
// wants approval opens the Login Items settings and returns nil: Enabled
// turns true once the user approves.
func (l LoginItem) Set(on bool) error {
	if !on {
		var errs []error
		// Only unregister what is registered: SMAppService's
		// unregisterAndReturnError: fails for a service that is not (the
		// case after an upgrade from macOS 12, where only the legacy agent
		// starts Rogue), which would report a failure for a removal that
		// worked.
		if s, err := l.Primary.Status(); err != nil || (s != LoginOff && s != LoginNotFound) {
			if err := l.Primary.Unregister(); err != nil {
				errs = append(errs, err)
			}
		}
		if l.Legacy != nil {
			if err := l.Legacy.Unregister(); err != nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("macos: remove login item: %w", err)
		}
		return nil
	}
	s, err := l.Primary.Status()
	if err != nil {
		return fmt.Errorf("macos: login item status: %w", err)
	}
	if s != LoginOn && s != LoginNeedsApproval {
		if err := l.Primary.Register(); err != nil {
			return fmt.Errorf("macos: add login item: %w", err)
		}
		if s, err = l.Primary.Status(); err != nil {
			return fmt.Errorf("macos: login item status: %w", err)
		}
	}
	switch s {
	case LoginOn:
		if l.Legacy != nil {
			// The new registration replaces the old agent; two would start
			// two copies.
			if err := l.Legacy.Unregister(); err != nil {
				return fmt.Errorf("macos: remove old login agent: %w", err)
			}
		}
		return nil
	case LoginNeedsApproval:
		if l.OpenSettings != nil {
			if err := l.OpenSettings(); err != nil {
				return fmt.Errorf("macos: open Login Items settings: %w", err)
			}
		}
		return nil
	case LoginNotFound:
		return ErrLoginNotFound
	default:
		return fmt.Errorf("macos: login item still %v after registering", s)
	}
}

// UseAppService reports whether SMAppService should be the primary backend:
// on macOS 13 or later, and only for an app bundle (SMAppService.mainApp
// refers to the bundle; a bare binary gets a LaunchAgent).
func UseAppService(osMajor int, inBundle bool) bool {
	return osMajor >= 13 && inBundle
}

// MajorVersion parses the major number of a macOS product version such as
// "13.4.1" (sysctl kern.osproductversion).
func MajorVersion(v string) (int, error) {
	head, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	n, err := strconv.Atoi(head)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("macos: bad product version %q", v)
	}
	return n, nil
}

// BundlePath returns the .app folder an executable lives in, when it is the
// main executable of an app bundle (X.app/Contents/MacOS/X).
func BundlePath(exe string) (string, bool) {
	dir := filepath.Dir(exe)
	if filepath.Base(dir) != "MacOS" {
		return "", false
	}
	contents := filepath.Dir(dir)
	if filepath.Base(contents) != "Contents" {
		return "", false
	}
	app := filepath.Dir(contents)
	if !strings.HasSuffix(app, ".app") {
		return "", false
	}
	return app, true
}

// LaunchAgent is a per-user launchd agent that starts Rogue at login, for
// macOS versions without SMAppService. Its plist lives in
// ~/Library/LaunchAgents and is only written, never loaded with launchctl:
// loading it now would start a second copy of Rogue.
type LaunchAgent struct {
	Path    string   // the plist file
	Label   string   // launchd label, the bundle identifier
	Program []string // executable and arguments
}

// agentPlist is the launchd.plist(5) subset Rogue writes.
type agentPlist struct {
	Label                  string   `plist:"Label"`
	ProgramArguments       []string `plist:"ProgramArguments"`
	RunAtLoad              bool     `plist:"RunAtLoad"`
	ProcessType            string   `plist:"ProcessType,omitempty"`
	LimitLoadToSessionType string   `plist:"LimitLoadToSessionType,omitempty"`
}

// Plist returns the agent's property list (XML).
func (a LaunchAgent) Plist() ([]byte, error) {
	var buf bytes.Buffer
	enc := plist.NewEncoderForFormat(&buf, plist.XMLFormat)
	enc.Indent("\t")
	err := enc.Encode(agentPlist{
		Label:                  a.Label,
		ProgramArguments:       a.Program,
		RunAtLoad:              true,
		ProcessType:            "Interactive",
		LimitLoadToSessionType: "Aqua",
	})
	if err != nil {
		return nil, fmt.Errorf("macos: encode launch agent: %w", err)
	}
	return buf.Bytes(), nil
}

// Status is LoginOn when the plist exists and starts this program, LoginOff
// when it is missing or starts something else (an old copy of Rogue
// elsewhere: registering again points it here).
func (a LaunchAgent) Status() (LoginStatus, error) {
	b, err := os.ReadFile(a.Path)
	if errors.Is(err, os.ErrNotExist) {
		return LoginOff, nil
	}
	if err != nil {
		return LoginOff, fmt.Errorf("macos: read launch agent: %w", err)
	}
	var p agentPlist
	if _, err := plist.Unmarshal(b, &p); err != nil {
		return LoginOff, nil // unreadable: registering rewrites it
	}
	if len(p.ProgramArguments) == 0 || len(a.Program) == 0 || p.ProgramArguments[0] != a.Program[0] {
		return LoginOff, nil
	}
	return LoginOn, nil
}

// Register writes the plist atomically (temp file, fsync, rename).
func (a LaunchAgent) Register() error {
	if len(a.Program) == 0 {
		return errors.New("macos: launch agent without a program")
	}
	b, err := a.Plist()
	if err != nil {
		return err
	}
	return writeFileAtomic(a.Path, b, 0o644)
}

// Unregister removes the plist; a missing one is fine.
func (a LaunchAgent) Unregister() error {
	if err := os.Remove(a.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("macos: remove launch agent: %w", err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("macos: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("macos: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("macos: write %s: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("macos: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("macos: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("macos: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("macos: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// BundleID is Rogue.app's CFBundleIdentifier (Info.plist), also the label of
// its LaunchAgent.
const BundleID = "com.rogue-metrics.Rogue"

// Describe says how Rogue starts at login, for a diagnostics report: the
// primary backend's status and kind ("on (SMAppService)", "off (LaunchAgent
// /Users/…/com.rogue-metrics.Rogue.plist)"), and a legacy agent that still
// starts Rogue. It returns the primary's status too.
func (l LoginItem) Describe() (string, LoginStatus, error) {
	s, err := l.Primary.Status()
	if err != nil {
		return "", s, fmt.Errorf("macos: login item status: %w", err)
	}
	kind := "SMAppService"
	if a, ok := l.Primary.(LaunchAgent); ok {
		kind = "LaunchAgent " + a.Path
	}
	out := s.String() + " (" + kind + ")"
	if l.Legacy != nil {
		if ls, err := l.Legacy.Status(); err == nil && ls == LoginOn {
			out += "; an old LaunchAgent starts Rogue too"
		}
	}
	return out, s, nil
}
