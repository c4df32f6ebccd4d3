package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

type redecideWorker struct {
	river.WorkerDefaults[jobargs.Redecide]
	deps Deps
}

func (w *redecideWorker) Work(ctx context.Context, job *river.Job[jobargs.Redecide]) error {
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
