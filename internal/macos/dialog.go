package macos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
)

// Dialogs are AppleScript run by /usr/bin/osascript: `display dialog` is part
// of Standard Additions and runs inside osascript itself, so it sends no
// Apple Events to other apps and needs no Automation permission. Values go
// in through argv (never spliced into the script, so quotes in a URL cannot
// change it) and come back on osascript's standard output; the API key only
// ever comes back, it is never an argument.

// ErrCancelled is returned when the user cancels a dialog.
var ErrCancelled = errors.New("macos: dialog cancelled")

// ErrNoDialog is returned when no dialog can be shown (no osascript).
var ErrNoDialog = errors.New("macos: no dialog available")

// Runner runs a program and returns its standard output and error.
type Runner func(ctx context.Context, name string, args ...string) (stdout, stderr []byte, err error)

// Exec is the Runner that really runs the program.
func Exec(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

// Osascript is the path of the AppleScript runner.
const Osascript = "/usr/bin/osascript"

// serverScript asks for the URL (argv item 1 prefills it), then for the key
// in a hidden field, and prints "URL\nKEY".
const serverScript = `on run argv
	activate
	set theURL to text returned of (display dialog "Grok server URL:" default answer (item 1 of argv) buttons {"Cancel", "Next"} default button "Next" cancel button "Cancel" with title "Rogue")
	set theKey to text returned of (display dialog ("API key for " & theURL & ":") default answer "" hidden answer true buttons {"Cancel", "Save"} default button "Save" cancel button "Cancel" with title "Rogue")
	return theURL & linefeed & theKey
end run`

// explainScript shows argv item 1 with the buttons "Not Now" and argv item
// 2, and prints the button chosen.
const explainScript = `on run argv
	activate
	set theReply to display dialog (item 1 of argv) buttons {"Not Now", (item 2 of argv)} default button 2 cancel button 1 with title "Rogue" with icon note
	return button returned of theReply
end run`

// trustScript shows argv item 1 with "Cancel" (the default) and "Trust",
// and prints the button chosen.
const trustScript = `on run argv
	activate
	set theReply to display dialog (item 1 of argv) buttons {"Cancel", "Trust"} default button "Cancel" cancel button "Cancel" with title "Rogue" with icon caution
	return button returned of theReply
end run`

// scriptArgs turns a script into osascript arguments: one -e per line, then
// the values the script reads from argv.
func scriptArgs(script string, argv ...string) []string {
	var args []string
	for line := range strings.SplitSeq(script, "\n") {
		args = append(args, "-e", line)
	}
	return append(args, argv...)
}

// runScript runs an osascript script and maps its failures: a missing
// osascript to ErrNoDialog, the user's Cancel (AppleScript error -128) to
// ErrCancelled.
func runScript(ctx context.Context, run Runner, script string, argv ...string) (string, error) {
	out, stderr, err := run(ctx, Osascript, scriptArgs(script, argv...)...)
	switch {
	case err == nil:
		return strings.TrimSuffix(string(out), "\n"), nil
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%w: %v", ErrNoDialog, err)
	case bytes.Contains(stderr, []byte("(-128)")):
		return "", ErrCancelled
	case ctx.Err() != nil:
		return "", ctx.Err()
	default:
		return "", fmt.Errorf("macos: osascript: %v: %s", err, bytes.TrimSpace(stderr))
	}
}

// AskServer shows the "Grok Server…" dialogs: the server URL (prefilled
// with current) and then the API key in a hidden field. Surrounding blanks
// are trimmed from both.
func AskServer(ctx context.Context, run Runner, current string) (server, apiKey string, err error) {
	out, err := runScript(ctx, run, serverScript, current)
	if err != nil {
		return "", "", err
	}
	server, apiKey, ok := strings.Cut(out, "\n")
	if !ok {
		return "", "", errors.New("macos: server dialog returned no key")
	}
	return strings.TrimSpace(server), strings.TrimSpace(apiKey), nil
}

// Explain shows message with the buttons "Not Now" and open (such as
// "Open System Settings") and reports whether the user chose open.
func Explain(ctx context.Context, run Runner, message, open string) (bool, error) {
	out, err := runScript(ctx, run, explainScript, message, open)
	if errors.Is(err, ErrCancelled) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return out == open, nil
}

// AskTrust shows message (a server's certificate fingerprint and what is
// wrong with it) with "Cancel", the default, and "Trust", and reports
// whether the user chose to trust it.
func AskTrust(ctx context.Context, run Runner, message string) (bool, error) {
	out, err := runScript(ctx, run, trustScript, message)
	if errors.Is(err, ErrCancelled) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return out == "Trust", nil
}
