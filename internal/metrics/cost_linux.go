package metrics

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU reads the calling thread's CPU clock.
func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// threadWritten reads the calling thread's "wchar" from /proc: the bytes
// it passed to write calls, files and sockets alike.
func threadWritten() (int64, bool) {
	io, err := os.ReadFile("/proc/thread-self/io")
	if err != nil {
		return 0, false
	}
	_, rest, ok := bytes.Cut(io, []byte("wchar: "))
	if !ok {
		return 0, false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	n, err := strconv.ParseInt(string(line), 10, 64)
	return n, err == nil
}
