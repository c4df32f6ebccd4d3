package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/blob"
	"vigil/internal/jobargs"
	"vigil/internal/proctor"
)

// JoinedKey is where a joined segment is kept (under the session's
// folder, so retention deletes it with the rest).
func JoinedKey(sessionID int64, stream string, segment int) string {
	return fmt.Sprintf("sessions/%d/joined/%s-%d.webm", sessionID, stream, segment)
}

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
			if err := w.join(ctx, JoinedKey(sid, stream, i), seg); err != nil {
				return err
			}
		}
	}
	return nil
}

// join writes a segment's chunks, in order, as one object.
func (w *joinWorker) join(ctx context.Context, key string, chunks []proctor.VideoChunk) error {
	cat := blob.NewConcat(ctx, w.deps.Blobs, ChunkParts(chunks))
	defer cat.Close()
	_, err := w.deps.Blobs.Put(ctx, key, cat)
	return err
}

// ChunkParts names the blobs of video chunks, for blob.NewConcat.
func ChunkParts(chunks []proctor.VideoChunk) []blob.Info {
	parts := make([]blob.Info, len(chunks))
	for i, c := range chunks {
		parts[i] = blob.Info{Key: c.BlobKey, Size: c.Size}
	}
	return parts
}
