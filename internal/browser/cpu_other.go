//go:build !linux

package browser

import "time"

// treeCPU is not measured outside Linux.
func treeCPU(int) time.Duration { return -1 }
