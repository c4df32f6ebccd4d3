package jobs

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Redecide runs the rules again over the stored signals of an exam's
// decided sessions — after its settings changed, or one student's
// accommodation (StudentID set). Nothing is detected or recorded again.
type Redecide struct {
	ExamID    int64 `json:"exam_id"`
	StudentID int64 `json:"student_id,omitempty"`
}

// Kind is River's name for the job.
func (Redecide) Kind() string { return "redecide" }

// InsertOpts: one pending re-decision per exam (and student) is enough;
// a change while one runs queues another, so the newest settings win.
func (Redecide) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
	}}}
}

type redecideWorker struct {
	river.WorkerDefaults[Redecide]
	deps Deps
}

func (w *redecideWorker) Work(ctx context.Context, job *river.Job[Redecide]) error {
	rows, err := w.deps.Store.ListExamSessions(ctx, job.Args.ExamID)
	if err != nil {
		return err
	}
	n, purged := 0, 0
	for _, r := range rows {
		if job.Args.StudentID != 0 && r.Student.ID != job.Args.StudentID {
			continue
		}
		out, err := w.redecide(ctx, r.Session.ID)
		if err != nil {
			return err
		}
		switch out {
		case redecided:
			n++
		case keptPurged:
			purged++
		}
	}
	w.deps.Log.Info("sessions re-decided", "exam", job.Args.ExamID, "student", job.Args.StudentID, "sessions", n)
	if purged > 0 {
		w.deps.Log.Info("sessions not re-decided: their media and signals were deleted under the retention policy, so their decisions stand",
			"exam", job.Args.ExamID, "student", job.Args.StudentID, "sessions", purged)
	}
	return nil
}

type redecision int

const (
	notDecided redecision = iota // still recording or analysing: its own job decides it
	redecided
	keptPurged // media deleted: nothing to decide from, the old decision stands
)

// redecide decides one session again if it has been decided before.
func (w *redecideWorker) redecide(ctx context.Context, sid int64) (redecision, error) {
	out := notDecided
	err := w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		s, err := tx.GetSession(ctx, sid)
		switch {
		case err != nil || s.State != proctor.StateAnalyzed:
			return err
		case s.MediaPurged():
			out = keptPurged
			return nil
		}
		out = redecided
		return Decide(ctx, tx, s, w.deps.Now(), w.deps.BaseURL)
	})
	return out, err
}
