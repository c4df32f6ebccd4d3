package jobs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// lowerThisThread locks the calling goroutine to its OS thread and gives
// that thread analysisNice. A failure (a container refusing it) leaves the
// thread as it was: the analysis then only competes as before.
func lowerThisThread() {
	runtime.LockOSThread()
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), analysisNice)
}
