//go:build !linux

package jobs

// lowerThisThread does nothing where threads have no niceness of their own.
func lowerThisThread() {}
