//go:build unix

package web

import "golang.org/x/sys/unix"

// freeBytes is the space an unprivileged writer may still use on path's
// filesystem.
func freeBytes(path string) (uint64, error) {
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		return 0, err
	}
	return fs.Bavail * uint64(fs.Bsize), nil
}
