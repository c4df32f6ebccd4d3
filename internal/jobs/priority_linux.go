package jobs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// lockThisThread locks the calling goroutine to its OS thread and, when
// below is set, gives that thread analysisNice. A failure to lower it (a
// container refusing it) leaves the thread as it was: the analysis then
// only competes as before.
func lockThisThread(below bool) {
	runtime.LockOSThread()
	if below {
		_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), analysisNice)
	}
}
