package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// SyncRoster reads a course's roster from its LMS (LTI Names and Role
// Provisioning), so the Student List shows who has not started.
type SyncRoster struct {
	CourseID int64 `json:"course_id"`
}

// Kind is River's name for the job.
func (SyncRoster) Kind() string { return "sync_roster" }

// InsertOpts: one waiting or running sync per course is enough.
func (SyncRoster) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
	}}}
}

// RosterSyncer reads a course's roster from its LMS into the store.
type RosterSyncer interface {
	SyncRoster(ctx context.Context, courseID int64) error
}

type rosterWorker struct {
	river.WorkerDefaults[SyncRoster]
	deps Deps
}

// Timeout: a roster of thousands is a few pages.
func (w *rosterWorker) Timeout(*river.Job[SyncRoster]) time.Duration { return time.Minute }

func (w *rosterWorker) Work(ctx context.Context, job *river.Job[SyncRoster]) error {
	if w.deps.Roster == nil {
		return errors.New("jobs: no roster syncer configured")
	}
	return w.deps.Roster.SyncRoster(ctx, job.Args.CourseID)
}
