package main

import (
	"context"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/internal/macos"
)

// darwinDoctor reports on a Mac.
type darwinDoctor struct{}

func newDoctorPlatform() doctorPlatform { return darwinDoctor{} }

// OSVersion is the product version (sysctl kern.osproductversion).
func (darwinDoctor) OSVersion() string {
	v, err := macos.OSVersion()
	if err != nil {
		return "macOS (version unknown: " + err.Error() + ")"
	}
	return "macOS " + v
}

// seenBy notes that macOS attributes privacy grants to the app that
// started a process: run from a terminal, that is the terminal.
const seenBy = " (as macOS sees this process: from a terminal, the terminal app's grant counts)"

// Permissions reports Input Monitoring, which Rogue asks for, and
// Accessibility, which also lets the tap run.
func (darwinDoctor) Permissions() []finding {
	major := macos.OSMajor()
	listen, ax := macos.ListenAccess(), macos.Trusted()
	im := finding{Topic: "Input Monitoring", Value: "not granted" + seenBy}
	if listen {
		im.Value = "granted"
	} else if !ax {
		im.Action = macos.Hint(major)
	}
	acc := finding{Topic: "Accessibility", Value: "not granted (not needed with Input Monitoring)"}
	if ax {
		acc.Value = "granted (more than Rogue needs; Input Monitoring suffices)"
	}
	return []finding{im, acc}
}

// KeyTap reports the running app's tap, or runs one for a second.
func (darwinDoctor) KeyTap(ctx context.Context, live *agent.KeyStatus) finding {
	major := macos.OSMajor()
	f := keyTapFinding(ctx, live, macos.Hint(major), macos.StaleHint(major))
	if live == nil && f.Action != "" {
		f.Value += seenBy
	}
	return f
}

// LoginItem reports SMAppService's status or the LaunchAgent.
func (darwinDoctor) LoginItem() finding {
	f := finding{Topic: "start at login"}
	li, err := macos.NewLoginItem(macos.BundleID)
	if err != nil {
		f.Value = "unknown: " + err.Error()
		return f
	}
	desc, st, err := li.Describe()
	if err != nil {
		f.Value = "unknown: " + err.Error()
		return f
	}
	f.Value = desc
	if st == macos.LoginNeedsApproval {
		f.Action = "allow Rogue in " + macos.SettingsFor(macos.OSMajor()).App + " › General › Login Items"
	}
	return f
}
