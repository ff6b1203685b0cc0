package main

import (
	"strings"
	"testing"
)

// TestParseFlags checks the exit codes and messages every command shares:
// -h is success, a bad flag or a positional argument is a usage error
// naming the command, and good flags go on with their values set.
func TestParseFlags(t *testing.T) {
	hide := func(string) string { return "unexpected argument (not shown)" }
	tests := []struct {
		name   string
		args   []string
		badArg func(string) string
		code   int
		ok     bool
		n      int    // --n after parsing, when ok
		stderr string // substring of the output ("" means none at all)
	}{
		{name: "no args", ok: true},
		{name: "flag value", args: []string{"--n", "7"}, ok: true, n: 7},
		{name: "help is success", args: []string{"-h"}, code: 0, stderr: "Usage: rogue test"},
		{name: "unknown flag is a usage error", args: []string{"--nope"}, code: 2, stderr: "flag provided but not defined: -nope"},
		{name: "bad value is a usage error", args: []string{"--n", "x"}, code: 2, stderr: `invalid value "x" for flag -n`},
		{name: "positional argument is quoted", args: []string{"extra"}, code: 2, stderr: "rogue test: unexpected argument \"extra\"\n"},
		{name: "positional after flags", args: []string{"--n", "1", "a", "b"}, code: 2, stderr: "rogue test: unexpected argument \"a\"\n"},
		{name: "secret positional is not repeated", args: []string{"s3cret"}, badArg: hide, code: 2, stderr: "rogue test: unexpected argument (not shown)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			fs := newFlagSet("rogue test", &out)
			n := fs.Int("n", 0, "a number")
			fs.Usage = func() { out.WriteString("Usage: rogue test\n") }
			code, ok := parseFlags(fs, tt.args, tt.badArg)
			if code != tt.code || ok != tt.ok {
				t.Fatalf("parseFlags(%q) = %d, %v; want %d, %v", tt.args, code, ok, tt.code, tt.ok)
			}
			if ok && *n != tt.n {
				t.Errorf("--n = %d, want %d", *n, tt.n)
			}
			if tt.stderr == "" && out.Len() > 0 {
				t.Errorf("unexpected output %q", out.String())
			}
			if !strings.Contains(out.String(), tt.stderr) {
				t.Errorf("output %q does not contain %q", out.String(), tt.stderr)
			}
			if strings.Contains(out.String(), "s3cret") {
				t.Errorf("output repeats the argument: %q", out.String())
			}
		})
	}
}

// TestOrDefaultPrefix: a given --prefix is kept, an empty one becomes the
// data folder's db.
func TestOrDefaultPrefix(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", home+"/data")
	want, err := defaultPrefix()
	if err != nil || want == "" {
		t.Fatalf("defaultPrefix() = %q, %v", want, err)
	}
	for _, tt := range []struct{ in, want string }{{"/x/y", "/x/y"}, {"", want}} {
		p := tt.in
		if err := orDefaultPrefix(&p); err != nil || p != tt.want {
			t.Errorf("orDefaultPrefix(%q) = %q, %v; want %q", tt.in, p, err, tt.want)
		}
	}
}
