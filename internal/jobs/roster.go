package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/jobargs"
)

// RosterSyncer reads a course's roster from its LMS into the store.
type RosterSyncer interface {
	SyncRoster(ctx context.Context, courseID int64) error
}

type rosterWorker struct {
	river.WorkerDefaults[jobargs.SyncRoster]
	deps Deps
}

// Timeout: a roster of thousands is a few pages.
func (w *rosterWorker) Timeout(*river.Job[jobargs.SyncRoster]) time.Duration { return time.Minute }

func (w *rosterWorker) Work(ctx context.Context, job *river.Job[jobargs.SyncRoster]) error {
	if w.deps.Roster == nil {
		return errors.New("jobs: no roster syncer configured")
	}
	return w.deps.Roster.SyncRoster(ctx, job.Args.CourseID)
}
