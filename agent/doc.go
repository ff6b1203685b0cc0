// Package agent samples a computer's vital signs and typing rhythm and keeps
// them in one rrdtool-format file per metric, as numenta-rogue's rogue-agent
// and rogue-keycounter did, in one process.
//
// One scheduler wakes once per step, aligned to step boundaries. Each tick
// samples every collector concurrently under a deadline (a slow or failing
// collector leaves its metrics unknown for that tick but never delays the
// others), writes one sample to each of the 13 RRD files and publishes the
// values in memory for the menu (see Agent.Snapshot).
//
// Counters (disk and network bytes, disk time) are stored raw in DERIVE data
// sources, which turn them into rates; the totals never double count (whole
// disks only on Linux, no loopback interface) and a device that appears or
// resets never makes a spike, because the agent keeps its own monotonic sum
// of per-device increments.
//
// Key statistics are computed from KeyEvents, which carry a time and a
// direction only: no key identity ever leaves the platform's KeyTap. On
// Linux the tap uses the X11 RECORD extension; on macOS a CGEventTap. When
// no tap can run (no display, no permission) the key metrics are unknown and
// everything else keeps running.
//
// Caveats: files the old tool made keep their data source bounds (its DERIVE
// maximum of 1,000,000 per second turns faster seconds into unknown until
// the bound is raised with rrdtool tune); X11 auto-repeat is indistinguishable
// from typing without key identity, so a held key counts as repeated presses.
package agent
