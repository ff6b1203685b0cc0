package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunDispatch(t *testing.T) {
	for _, tt := range []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings expected on stdout / stderr
	}{
		{"help lists every command", []string{"help"}, 0, "Commands:", ""},
		{"long help flag", []string{"--help"}, 0, "rrd", ""},
		{"version", []string{"--version"}, 0, "rogue " + version, ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"help for a command", []string{"help", "forward"}, 0, "", "rogue forward"},
		{"help for the app", []string{"help", "app"}, 0, "", "-interval"},
		{"help for an unknown command", []string{"help", "frobnicate"}, 2, "", `no help for "frobnicate"`},
		{"help for help", []string{"help", "help"}, 0, "Commands:", ""},
		{"help for the built-in rrdtool", []string{"help", "rrd"}, 0, "Usage: rogue rrd <function>", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, errb.String())
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.out)
			}
			if !strings.Contains(errb.String(), tt.err) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.err)
			}
		})
	}
	for name := range commands {
		if commands[name].Summary == "" {
			t.Errorf("command %q has no summary", name)
		}
	}
}
