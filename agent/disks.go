package agent

import (
	"regexp"
	"strings"
)

// blockDevice is one entry of Linux's /sys/block: a device name and the
// target of its symbolic link (e.g. "../devices/pci0000:00/.../block/sda").
// /sys/block lists whole devices only; partitions live below them.
type blockDevice struct {
	Name   string
	Target string
}

// excludedDiskPrefixes name block devices whose I/O is not a disk's own:
// loop files (their I/O reaches a real disk too), RAM disks and zram swap,
// device-mapper (LVM, LUKS) and md RAID volumes that duplicate their member
// disks, optical and floppy drives.
var excludedDiskPrefixes = []string{"loop", "ram", "zram", "dm-", "md", "sr", "fd"}

// nvmePath matches a native NVMe multipath controller path (nvme0c1n1): its
// I/O is also counted by the namespace head (nvme0n1).
var nvmePath = regexp.MustCompile(`^nvme\d+c\d+n\d+$`)

// wholeDisks returns the names of the block devices whose I/O counts toward
// the disk totals: physical whole disks, so that nothing is counted twice.
// Virtual devices (link target under /devices/virtual/) are skipped, except
// NVMe namespace heads, which live under /devices/virtual/nvme-subsystem/
// when multipath is on and are the disks themselves.
func wholeDisks(devs []blockDevice) map[string]bool {
	out := make(map[string]bool, len(devs))
	for _, d := range devs {
		if isWholeDisk(d) {
			out[d.Name] = true
		}
	}
	return out
}

func isWholeDisk(d blockDevice) bool {
	for _, p := range excludedDiskPrefixes {
		if strings.HasPrefix(d.Name, p) {
			return false
		}
	}
	if nvmePath.MatchString(d.Name) {
		return false
	}
	if strings.Contains(d.Target, "/devices/virtual/") &&
		!strings.Contains(d.Target, "/devices/virtual/nvme-subsystem/") {
		return false
	}
	return true
}
