//go:build !linux

package jobs

import "runtime"

// lockThisThread locks the calling goroutine to its OS thread; threads
// have no niceness of their own here, so below changes nothing.
func lockThisThread(bool) { runtime.LockOSThread() }
