//go:build unix

package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockDatabase takes an exclusive lock beside the database file, so that
// only one vigil process serves (and works jobs on) an embedded database.
// The lock goes with the process, also when it is killed.
func lockDatabase(dbPath string) (release func(), err error) {
	path := dbPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("another vigil (pid %s) is serving %s: stop it first, or use another --data folder",
			strings.TrimSpace(string(holder)), dbPath)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { f.Close() }, nil
}
