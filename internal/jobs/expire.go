package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

type expireWorker struct {
	river.WorkerDefaults[jobargs.ExpireSessions]
	deps Deps
}

func (w *expireWorker) Work(ctx context.Context, _ *river.Job[jobargs.ExpireSessions]) error {
	now := w.deps.Now()
	return w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		ids, err := tx.ExpireSessions(ctx, now.Add(-proctor.ResumeWindow), now)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.Enqueue(ctx, jobargs.AnalyzeSession{SessionID: id}); err != nil {
				return err
			}
		}
		if len(ids) > 0 {
			w.deps.Log.Info("expired unfinished sessions", "count", len(ids))
		}
		return nil
	})
}
