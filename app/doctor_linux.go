package main

import (
	"context"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/rogue-metrics/rogue/agent"
)

// linuxDoctor reports on a Linux desktop or server.
type linuxDoctor struct{ p *linuxPlatform }

func newDoctorPlatform() doctorPlatform { return linuxDoctor{p: newPlatform().(*linuxPlatform)} }

// OSVersion reads PRETTY_NAME from os-release and the kernel's release.
func (linuxDoctor) OSVersion() string {
	name := "Linux"
	for _, path := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if b, err := os.ReadFile(path); err == nil {
			if n := osReleaseName(string(b)); n != "" {
				name = n
				break
			}
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		name += ", Linux " + unix.ByteSliceToString(u.Release[:])
	}
	return name
}

// osReleaseName returns PRETTY_NAME (else NAME) of an os-release file.
func osReleaseName(s string) string {
	vals := map[string]string{}
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok {
			vals[k] = strings.Trim(v, `"'`)
		}
	}
	if v := vals["PRETTY_NAME"]; v != "" {
		return v
	}
	return vals["NAME"]
}

// Permissions: Linux has none to grant; key events come from the X server.
func (linuxDoctor) Permissions() []finding {
	d := os.Getenv("DISPLAY")
	if d == "" {
		d = "none (DISPLAY unset)"
	}
	return []finding{{Topic: "key events", Value: "from the X server's RECORD extension; display " + d}}
}

// KeyTap reports the running app's tap, or runs one for a second.
func (linuxDoctor) KeyTap(ctx context.Context, live *agent.KeyStatus) finding {
	return keyTapFinding(ctx, live, "", "")
}

// LoginItem reports the XDG autostart entry.
func (l linuxDoctor) LoginItem() finding {
	f := finding{Topic: "start at login"}
	on, err := l.p.LoginItem()
	switch {
	case err != nil:
		f.Value = "unknown: " + err.Error()
	case on:
		f.Value = "on (XDG autostart " + l.p.autostartPath() + ")"
	default:
		f.Value = "off (XDG autostart " + l.p.autostartPath() + ")"
	}
	return f
}
