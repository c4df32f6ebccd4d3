package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/blob"
	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/review"
)

type joinWorker struct {
	river.WorkerDefaults[jobargs.JoinVideo]
	deps Deps
}

func (w *joinWorker) Timeout(*river.Job[jobargs.JoinVideo]) time.Duration { return 30 * time.Minute }

func (w *joinWorker) Work(ctx context.Context, job *river.Job[jobargs.JoinVideo]) error {
	sid := job.Args.SessionID
	s, err := w.deps.Store.GetSession(ctx, sid)
	if err != nil || s.MediaPurged() {
		return err
	}
	for _, stream := range []string{proctor.StreamWebcam, proctor.StreamScreen} {
		chunks, err := w.deps.Store.ListChunks(ctx, sid, stream)
		if err != nil {
			return err
		}
		for i, seg := range proctor.Segments(chunks) {
			if err := w.join(ctx, review.JoinedKey(sid, stream, i), seg); err != nil {
				return err
			}
		}
	}
	return nil
}

// join writes a segment's chunks, in order, as one object.
func (w *joinWorker) join(ctx context.Context, key string, chunks []proctor.VideoChunk) error {
	cat := blob.NewConcat(ctx, w.deps.Blobs, review.ChunkParts(chunks))
	defer cat.Close()
	_, err := w.deps.Blobs.Put(ctx, key, cat)
	return err
}
