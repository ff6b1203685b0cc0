package macos

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// fakeRunner answers like osascript and records what it was called with.
type fakeRunner struct {
	stdout, stderr string
	err            error
	name           string
	args           []string
}

func (f *fakeRunner) run(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
	f.name, f.args = name, args
	return []byte(f.stdout), []byte(f.stderr), f.err
}

func TestAskServerLeaksOrMisparses(t *testing.T) {
	const url = `https://grok.example/"; do shell script "rm -rf ~"; "`
	f := &fakeRunner{stdout: "https://grok.example \n s3cret-key\n"}
	server, key, err := AskServer(context.Background(), f.run, url)
	if err != nil {
		t.Fatal(err)
	}
	if server != "https://grok.example" || key != "s3cret-key" {
		t.Errorf("got %q, %q", server, key)
	}
	if f.name != Osascript {
		t.Errorf("ran %q", f.name)
	}
	// The URL is the last argument, untouched, and in no -e script line.
	if len(f.args) == 0 || f.args[len(f.args)-1] != url {
		t.Fatalf("URL not passed as argv: %q", f.args)
	}
	for i, a := range f.args[:len(f.args)-1] {
		if strings.Contains(a, "grok.example") {
			t.Errorf("argument %d contains the URL: %q", i, a)
		}
	}
	script := strings.Join(f.args, "\n")
	for _, want := range []string{"hidden answer true", "default answer (item 1 of argv)", "on run argv"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	if slices.Contains(f.args, "s3cret-key") {
		t.Error("API key in argv")
	}
}

func TestAskServerErrorsMapped(t *testing.T) {
	exitErr := func() error {
		err := exec.Command("sh", "-c", "exit 1").Run()
		if err == nil {
			t.Fatal("sh exit 1 succeeded")
		}
		return err
	}()
	for _, tc := range []struct {
		name string
		f    fakeRunner
		want error
	}{
		{"cancel", fakeRunner{stderr: "0:12: execution error: User canceled. (-128)\n", err: exitErr}, ErrCancelled},
		{"no osascript", fakeRunner{err: &fs.PathError{Op: "fork/exec", Path: Osascript, Err: fs.ErrNotExist}}, ErrNoDialog},
		{"not in PATH", fakeRunner{err: exec.ErrNotFound}, ErrNoDialog},
	} {
		_, _, err := AskServer(context.Background(), tc.f.run, "")
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	f := &fakeRunner{stderr: "syntax error", err: exitErr}
	if _, _, err := AskServer(context.Background(), f.run, ""); err == nil || errors.Is(err, ErrCancelled) || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("other failure: %v", err)
	}
	f = &fakeRunner{stdout: "https://only-url\n"}
	if _, _, err := AskServer(context.Background(), f.run, ""); err == nil {
		t.Error("output without a key line accepted")
	}
}

func TestExplainMisreadsButtons(t *testing.T) {
	for _, tc := range []struct {
		f    fakeRunner
		want bool
		err  bool
	}{
		{fakeRunner{stdout: "Open System Preferences\n"}, true, false},
		{fakeRunner{stdout: "Open System Settings\n"}, false, false}, // not the button shown
		{fakeRunner{stderr: "User canceled. (-128)", err: fmt.Errorf("exit status 1")}, false, false},
		{fakeRunner{stderr: "boom", err: fmt.Errorf("exit status 1")}, false, true},
	} {
		open := SettingsFor(12).OpenButton()
		got, err := Explain(context.Background(), tc.f.run, Why(12), open)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("stdout %q stderr %q: got %v, %v", tc.f.stdout, tc.f.stderr, got, err)
		}
		if a := tc.f.args; a != nil && (len(a) < 2 || a[len(a)-2] != Why(12) || a[len(a)-1] != open) {
			t.Errorf("message and button not passed as argv: %q", a)
		}
	}
}

func TestAskTrustMisreadsButtons(t *testing.T) {
	const msg = "Trust grok.local? SHA-256 AB:CD"
	for _, tc := range []struct {
		f    fakeRunner
		want bool
		err  bool
	}{
		{fakeRunner{stdout: "Trust\n"}, true, false},
		{fakeRunner{stdout: "Cancel\n"}, false, false},
		{fakeRunner{stderr: "User canceled. (-128)", err: fmt.Errorf("exit status 1")}, false, false},
		{fakeRunner{stderr: "boom", err: fmt.Errorf("exit status 1")}, false, true},
	} {
		got, err := AskTrust(context.Background(), tc.f.run, msg)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("stdout %q stderr %q: got %v, %v", tc.f.stdout, tc.f.stderr, got, err)
		}
		if tc.f.args == nil || tc.f.args[len(tc.f.args)-1] != msg {
			t.Errorf("message not passed as argv: %q", tc.f.args)
		}
	}
}
