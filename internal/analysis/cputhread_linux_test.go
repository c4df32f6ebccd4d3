//go:build linux

package analysis_test

import (
	"syscall"
	"time"
)

// threadCPUTime is the CPU the calling OS thread has used: with the
// goroutine locked to its thread, what one stage of the analysis costs,
// whatever else runs on the machine.
func threadCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
