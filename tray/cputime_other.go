//go:build !linux

package tray

import "time"

// threadCPU is not available here; refreshes are measured by wall time only.
func threadCPU() (time.Duration, bool) { return 0, false }
