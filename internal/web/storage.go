package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"vigil/internal/metrics"
)

// DiskFloor is the free space Vigil keeps on the local disks it writes
// (the embedded default's database and media folders): below MinFree
// bytes on any of Paths' filesystems, uploads are refused with 507
// storage_full and /readyz fails, before the disk is full in earnest.
type DiskFloor struct {
	Paths   []string
	MinFree uint64 // 0: no floor
}

// storageState knows whether uploads are refused for lack of space, and
// says so once when it starts and once when it ends, not per request: a
// write met a full disk (the database's or the media store's), or a
// watched disk is below its floor.
type storageState struct {
	floor   DiskFloor
	log     *slog.Logger
	metrics *metrics.Metrics
	now     func() time.Time

	mu        sync.Mutex
	full      bool      // a write met a full disk, and none succeeded since
	refusals  int64     // while full
	lastFull  time.Time // the last refusal for a full disk
	low       string    // why a watched disk is below the floor ("" if none)
	checkedAt time.Time // when the disks were last looked at
}

// checkEvery bounds how often free space is read (a statfs per folder).
const checkEvery = time.Second

// fullForReady is how long after its last refusal for a full disk /readyz
// keeps failing: then it passes again, so that a load balancer sends
// traffic back and a write finds out whether space has returned.
const fullForReady = 30 * time.Second

func newStorageState(floor DiskFloor, log *slog.Logger, m *metrics.Metrics, now func() time.Time) *storageState {
	st := &storageState{floor: floor, log: log, metrics: m, now: now}
	if len(floor.Paths) > 0 {
		m.WatchDiskFree(floor.Paths, freeBytes)
	}
	return st
}

// refused records an upload refused because a disk is full.
func (st *storageState) refused(cause error) {
	st.metrics.StorageRefused()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.low != "" {
		return // refused below the floor: lowSpace said so, and clears it
	}
	st.refusals++
	st.lastFull = st.now()
	if !st.full {
		st.log.Error("disk full: uploads are refused with 507 storage_full until space is freed; capture clients keep them and retry",
			"err", cause)
	}
	st.full = true
	st.metrics.StorageFull(true)
}

// accepted records an upload stored: a full disk has space again.
func (st *storageState) accepted() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.full {
		return
	}
	st.full = false
	st.log.Info("disk space is back: uploads are accepted again", "refused_meanwhile", st.refusals)
	st.refusals = 0
	st.metrics.StorageFull(st.low != "")
}

// lowSpace says why uploads are refused before trying them: a watched
// disk below its floor ("" when none is).
func (st *storageState) lowSpace() string {
	if st.floor.MinFree == 0 || len(st.floor.Paths) == 0 {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	if now.Sub(st.checkedAt) < checkEvery {
		return st.low
	}
	st.checkedAt = now
	why := ""
	for _, p := range st.floor.Paths {
		free, err := freeBytes(p)
		if err == nil && free < st.floor.MinFree {
			why = fmt.Sprintf("%s has %d MB free, under the floor of %d MB", p, free>>20, st.floor.MinFree>>20)
			break
		}
	}
	switch {
	case why != "" && st.low == "":
		st.log.Error("disk nearly full: uploads are refused with 507 storage_full and /readyz fails until space is freed", "why", why)
	case why == "" && st.low != "":
		st.log.Info("disk space is back above the floor: uploads are accepted again")
	}
	st.low = why
	st.metrics.StorageFull(why != "" || st.full)
	return why
}

// ready fails while uploads are refused for lack of space.
func (st *storageState) ready(context.Context) error {
	if why := st.lowSpace(); why != "" {
		return errors.New("disk nearly full: " + why)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.full && st.now().Sub(st.lastFull) < fullForReady {
		return errors.New("disk full: uploads are being refused (507)")
	}
	return nil
}
