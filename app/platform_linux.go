package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogue-metrics/rogue/assets"
)

// linuxPlatform is the platform on Linux desktops: an XDG autostart entry
// for the login item, zenity for dialogs, xdg-open for folders. Its fields
// are the environment it reads, so tests can give it their own.
type linuxPlatform struct {
	getenv     func(string) string
	home       string
	executable func() (string, error)
	lookPath   func(string) (string, error)
}

func newPlatform() platform {
	home, _ := os.UserHomeDir()
	return &linuxPlatform{getenv: os.Getenv, home: home, executable: os.Executable, lookPath: exec.LookPath}
}

// autostartPath is the login item: $XDG_CONFIG_HOME/autostart/rogue.desktop
// (XDG Autostart specification), ~/.config when XDG_CONFIG_HOME is unset.
func (p *linuxPlatform) autostartPath() string {
	config := p.getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(config) {
		config = filepath.Join(p.home, ".config")
	}
	return filepath.Join(config, "autostart", "rogue.desktop")
}

// LoginItem reports whether the autostart entry exists and is not switched
// off inside (Hidden=true, or GNOME's X-GNOME-Autostart-enabled=false).
func (p *linuxPlatform) LoginItem() (bool, error) {
	data, err := os.ReadFile(p.autostartPath())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("login item: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "Hidden" && v == "true" || k == "X-GNOME-Autostart-enabled" && v == "false" {
			return false, nil
		}
	}
	return true, nil
}

// SetLoginItem writes or removes the autostart entry. The entry runs this
// executable. An entry the user edited (anything but exactly what Rogue
// writes) is never deleted nor replaced: it is switched off and on in place
// with its Hidden and X-GNOME-Autostart-enabled keys, the rest kept.
func (p *linuxPlatform) SetLoginItem(on bool) error {
	path := p.autostartPath()
	exe, exeErr := p.executable()
	if exeErr == nil {
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("login item: %w", err)
	}
	exists := err == nil
	ours := exists && exeErr == nil && string(data) == desktopEntry(exe)
	edited, canSwitch := switchEntry(string(data), on)
	switch {
	case !on && !exists:
		return nil
	case !on && (ours || !canSwitch):
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("login item: %w", err)
		}
		return nil
	case exists && !ours && canSwitch:
		if err := writeConfigFile(path, []byte(edited), 0o644); err != nil {
			return fmt.Errorf("login item: %w", err)
		}
		return nil
	}
	if exeErr != nil {
		return fmt.Errorf("login item: cannot find Rogue's executable: %w", exeErr)
	}
	if err := writeConfigFile(path, []byte(desktopEntry(exe)), 0o644); err != nil {
		return fmt.Errorf("login item: %w", err)
	}
	if err := p.installIcon(); err != nil {
		// The entry works without it; the session shows a generic icon.
		slog.Warn("login item icon", "err", err)
	}
	return nil
}

// iconName is the icon of the desktop entry, in the user's icon theme
// folder (XDG Icon Theme Specification).
const iconName = "rogue"

// installIcon writes Rogue's icon to
// $XDG_DATA_HOME/icons/hicolor/48x48/apps/rogue.png, where the entry's
// Icon=rogue finds it.
func (p *linuxPlatform) installIcon() error {
	data := p.getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(data) {
		data = filepath.Join(p.home, ".local", "share")
	}
	path := filepath.Join(data, "icons", "hicolor", "48x48", "apps", iconName+".png")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, assets.Icon) {
		return nil
	}
	return writeConfigFile(path, assets.Icon, 0o644)
}

// switchEntry returns a desktop entry with its keys that switch it off
// (Hidden, X-GNOME-Autostart-enabled) removed and, when on is false,
// Hidden=true added to its [Desktop Entry] group. ok is false when data has
// no such group or no Exec key to keep.
func switchEntry(data string, on bool) (out string, ok bool) {
	var b strings.Builder
	inEntry, hasGroup, hasExec := false, false, false
	for line := range strings.Lines(data) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			inEntry = t == "[Desktop Entry]"
			if inEntry && !hasGroup {
				hasGroup = true
				if !strings.HasSuffix(line, "\n") {
					line += "\n"
				}
				b.WriteString(line)
				if !on {
					b.WriteString("Hidden=true\n")
				}
				continue
			}
		}
		if inEntry {
			k, _, _ := strings.Cut(t, "=")
			switch strings.TrimSpace(k) {
			case "Hidden", "X-GNOME-Autostart-enabled":
				continue
			case "Exec":
				hasExec = true
			}
		}
		b.WriteString(line)
	}
	return b.String(), hasGroup && hasExec
}

// desktopEntry is the autostart file for the executable at exe.
func desktopEntry(exe string) string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Rogue\n" +
		"Comment=Personal metrics agent: vital signs and typing rhythm, forwarded to Grok\n" +
		"Exec=" + execQuote(exe) + "\n" +
		"Icon=" + iconName + "\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// execQuote quotes a path for a desktop entry's Exec key: inside double
// quotes, with `"`, "`", "$" and "\" escaped by a backslash, "%" doubled as
// field codes require, and the whole escaped once more for the string
// value's own backslash escapes (Desktop Entry Specification, "The Exec
// key").
func execQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`)
			b.WriteRune(r)
		case '\\':
			b.WriteString(`\\\\`)
		case '%':
			b.WriteString("%%")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hasDisplay reports whether a graphical session is reachable.
func (p *linuxPlatform) hasDisplay() bool {
	return p.getenv("DISPLAY") != "" || p.getenv("WAYLAND_DISPLAY") != ""
}

// zenity runs zenity with args and returns what it printed. Zenity exits 1
// when the user cancels, which becomes errCancelled; without zenity or a
// display the result is errNoDialog.
func (p *linuxPlatform) zenity(ctx context.Context, args ...string) (string, error) {
	if !p.hasDisplay() {
		return "", errNoDialog
	}
	bin, err := p.lookPath("zenity")
	if err != nil {
		return "", errNoDialog
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return strings.TrimRight(out.String(), "\r\n"), nil
	case ctx.Err() != nil:
		return "", errCancelled
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return "", errCancelled
	default:
		return "", fmt.Errorf("zenity: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
}

// AskServer asks for the server URL, then the API key, in two zenity
// dialogs (zenity's forms cannot prefill a field). The key travels on
// zenity's standard output, never in a command line.
func (p *linuxPlatform) AskServer(ctx context.Context, current string) (server, apiKey string, err error) {
	server, err = p.zenity(ctx, "--entry", "--title=Grok Server",
		"--text=Grok server URL (for example https://grok.example.com):", "--entry-text="+current)
	if err != nil {
		return "", "", err
	}
	if strings.TrimSpace(server) == "" {
		return "", "", errCancelled
	}
	// The title and text are in zenity's command line, which every user
	// can list: a key pasted into the URL must not show there. A hidden
	// entry rather than --password, whose field zenity labels "Password".
	name := safeServer(server)
	apiKey, err = p.zenity(ctx, "--entry", "--hide-text", "--title=API key for "+name,
		"--text=API key for "+name+" (Grok › Settings › API key):")
	if err != nil {
		return "", "", err
	}
	return strings.TrimSpace(server), strings.TrimSpace(apiKey), nil
}

// AskTrust asks in a zenity question whether to trust the certificate
// described by message (see certTruster); "Cancel" is the default.
func (p *linuxPlatform) AskTrust(ctx context.Context, message string) (bool, error) {
	_, err := p.zenity(ctx, "--question", "--title=Trust this certificate?", "--no-markup",
		"--ok-label=Trust", "--cancel-label=Cancel", "--default-cancel", "--text="+message)
	if errors.Is(err, errCancelled) {
		return false, nil
	}
	return err == nil, err
}

// Reveal opens path in the file manager with xdg-open.
func (p *linuxPlatform) Reveal(path string) error {
	bin, err := p.lookPath("xdg-open")
	if err != nil {
		return fmt.Errorf("cannot open %s: xdg-open not found", path)
	}
	cmd := exec.Command(bin, path)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	go cmd.Wait() // reap it; xdg-open's outcome is the file manager's business
	return nil
}

// KeyAccess reports whether an X11 display is there to record key events
// from. Wayland compositors do not let applications observe the keyboard.
func (p *linuxPlatform) KeyAccess() (ok bool, hint string) {
	switch {
	case p.getenv("DISPLAY") != "":
		return true, ""
	case p.getenv("WAYLAND_DISPLAY") != "":
		return false, "Wayland does not let apps see key events; log in to an X11 (Xorg) session to record typing rhythm."
	default:
		return false, "Start Rogue from your desktop session (DISPLAY is not set) to record typing rhythm."
	}
}

// RequestKeyAccess does nothing: X11 has no permission to ask for.
func (p *linuxPlatform) RequestKeyAccess(context.Context) {}

// ShowMessage shows text in an information or error dialog (see
// messageShower) and returns when it is closed.
func (p *linuxPlatform) ShowMessage(ctx context.Context, title, text string, isError bool) error {
	kind := "--info"
	if isError {
		kind = "--error"
	}
	_, err := p.zenity(ctx, kind, "--title="+title, "--no-markup", "--text="+text)
	if errors.Is(err, errCancelled) {
		return nil
	}
	return err
}

// ShowAbout shows text in an information dialog (see aboutShower).
func (p *linuxPlatform) ShowAbout(ctx context.Context, text string) error {
	_, err := p.zenity(ctx, "--info", "--title=About Rogue", "--no-markup", "--text="+text)
	if errors.Is(err, errCancelled) {
		return nil
	}
	return err
}
