//go:build !linux

package metrics

import "time"

// threadCPU and threadWritten are only measured on Linux.
func threadCPU() (time.Duration, bool) { return 0, false }

func threadWritten() (int64, bool) { return 0, false }
