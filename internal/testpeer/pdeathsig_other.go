//go:build !linux

package testpeer

import "os/exec"

// dieWithParent does nothing where the kernel has no parent-death signal;
// the tests' cleanups stop their peers.
func dieWithParent(*exec.Cmd) {}
