//go:build !linux

package analysis_test

import "time"

// threadCPUTime falls back to the process's CPU time where no thread
// clock is at hand.
func threadCPUTime() time.Duration { return cpuTime() }
