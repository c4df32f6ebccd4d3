package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// ExpireSessions closes sessions never finished within the resume window and
// has what they recorded analysed. It runs periodically.
type ExpireSessions struct{}

// Kind is River's name for the job.
func (ExpireSessions) Kind() string { return "expire_sessions" }

type expireWorker struct {
	river.WorkerDefaults[ExpireSessions]
	deps Deps
}

func (w *expireWorker) Work(ctx context.Context, _ *river.Job[ExpireSessions]) error {
	now := w.deps.Now()
	return w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		ids, err := tx.ExpireSessions(ctx, now.Add(-proctor.ResumeWindow), now)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.Enqueue(ctx, AnalyzeSession{SessionID: id}); err != nil {
				return err
			}
		}
		if len(ids) > 0 {
			w.deps.Log.Info("expired unfinished sessions", "count", len(ids))
		}
		return nil
	})
}
