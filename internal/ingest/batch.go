package ingest

import (
	"context"
	"mime"
	"strconv"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// MaxBatchItems bounds the uploads of one batch (PutBatch): a few
// seconds of a student's frames, audio, events and video, or what a
// client queued while offline, sent a batch at a time.
const MaxBatchItems = 64

// BatchItem is one upload of a batch, named by its own endpoint's path
// under the session ("frames/12", "audio/3", "events/7",
// "chunks/webcam/4"), with what that endpoint reads from its headers.
type BatchItem struct {
	Path        string
	ContentType string
	CapturedAt  time.Time // X-Capture-Time: frames, audio and video
	DurationMS  int64     // X-Duration-Ms: video
	Data        []byte
}

// BatchResult answers one item of a batch: its acknowledgement, as its own
// endpoint would give it, or why it was refused.
type BatchResult struct {
	Path string `json:"path"`
	Ack  any    `json:"ack,omitempty"`
	Err  error  `json:"-"`
}

// PutBatch stores a batch of one session's uploads (not photos), in
// order: each is checked and its media written as its own request would,
// then the rows of all that passed commit in one transaction, with the
// session's bookkeeping and analysis job once. It stops at the first
// item refused: the results are the items before it, acknowledged, then
// that one with its error; the items after it were not looked at and are
// sent again. A failed commit fails every item that reached it, and the
// whole batch is retried (what was stored is then acknowledged again as a
// retry). Every item keeps its own number and acknowledgement, so a
// batch is the same uploads in fewer requests and transactions; its new
// frames, audio and video chunks are written as one object (a pack), not
// one each.
func (s *Service) PutBatch(ctx context.Context, sess *proctor.Session, items []BatchItem) []BatchResult {
	results := make([]BatchResult, 0, len(items))
	ups := make([]*staged, 0, len(items))
	// next holds, per stream, the number after the batch's last item of it:
	// an item may follow one that is staged but not yet stored.
	next := map[string]int64{}
	pack := &batchPack{}
	for _, it := range items {
		u, err := s.stageItem(ctx, sess, it, next, pack)
		if err != nil {
			results = append(results, BatchResult{Path: it.Path, Err: err})
			break
		}
		next[string(u.kind)+"/"+u.stream] = u.seq + 1
		ups = append(ups, u)
	}
	if len(ups) == 0 {
		return results
	}
	if err := pack.write(ctx, s.blobs, sess.ID); err != nil {
		return []BatchResult{{Path: items[0].Path, Err: err}}
	}
	if err := s.commit(ctx, sess, ups...); err != nil {
		return []BatchResult{{Path: items[0].Path, Err: err}}
	}
	acked := make([]BatchResult, len(ups), len(ups)+1)
	for i, u := range ups {
		acked[i] = BatchResult{Path: items[i].Path, Ack: u.ack()}
	}
	return append(acked, results...)
}

// stageItem stages a batch item through its kind's own checks.
func (s *Service) stageItem(ctx context.Context, sess *proctor.Session, it BatchItem, next map[string]int64, pack *batchPack) (*staged, error) {
	kind, stream, seq, err := batchPath(it.Path)
	if err != nil {
		return nil, err
	}
	floor := next[string(kind)+"/"+stream]
	if err := s.checkItemSize(kind, it); err != nil {
		return nil, err
	}
	switch kind {
	case store.UploadFrame:
		if err := requireMedia(it, "image/jpeg"); err != nil {
			return nil, err
		}
		return s.stageFrame(ctx, sess, seq, it.CapturedAt, it.Data, floor, pack)
	case store.UploadAudio:
		return s.stageAudio(ctx, sess, AudioInput{Seq: seq, StartedAt: it.CapturedAt, ContentType: it.ContentType, Data: it.Data}, floor, pack)
	case store.UploadVideo:
		return s.stageChunk(ctx, sess, ChunkInput{Stream: stream, Seq: seq, StartedAt: it.CapturedAt, DurationMS: it.DurationMS, Data: it.Data}, floor, pack)
	default:
		if err := requireMedia(it, "application/json"); err != nil {
			return nil, err
		}
		return s.stageEvents(ctx, sess, stream, seq, it.Data, floor)
	}
}

// batchPath reads an item's path: its kind, stream and number.
func batchPath(path string) (kind store.UploadKind, stream string, seq int64, err error) {
	parts := strings.Split(path, "/")
	switch {
	case len(parts) == 2 && parts[0] == "frames":
		kind = store.UploadFrame
	case len(parts) == 2 && parts[0] == "audio":
		kind = store.UploadAudio
	case len(parts) == 2 && parts[0] == "events":
		kind, stream = store.UploadEventBatch, proctor.SourceBrowser
	case len(parts) == 3 && parts[0] == "chunks":
		kind, stream = store.UploadVideo, parts[1]
	default:
		return "", "", 0, proctor.E(proctor.CodeInvalid,
			"a batch item is named frames/N, audio/N, events/N or chunks/STREAM/N, not %q", path)
	}
	seq, err = strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil || seq < 0 || seq > 1<<40 {
		return "", "", 0, proctor.E(proctor.CodeInvalid, "%q: the number must be a whole number from 0", path)
	}
	return kind, stream, seq, nil
}

// checkItemSize applies the limit of the item's own endpoint.
func (s *Service) checkItemSize(kind store.UploadKind, it BatchItem) error {
	limit := s.limits.MaxEventsBytes
	switch kind {
	case store.UploadFrame:
		limit = s.limits.MaxFrameBytes
	case store.UploadAudio:
		limit = s.limits.MaxAudioBytes
	case store.UploadVideo:
		limit = s.limits.MaxChunkBytes
	}
	if int64(len(it.Data)) > limit {
		return proctor.E(proctor.CodeTooLarge, "%s is %d bytes; the limit for it is %d", it.Path, len(it.Data), limit)
	}
	return nil
}

// requireMedia checks an item's media type, as its own endpoint checks
// its request's Content-Type.
func requireMedia(it BatchItem, want string) error {
	if mt, _, err := mime.ParseMediaType(it.ContentType); err != nil || mt != want {
		return proctor.E(proctor.CodeUnsupportedMedia, "%s: Content-Type must be %s", it.Path, want)
	}
	return nil
}
