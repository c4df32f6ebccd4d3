package ingest

import (
	"bytes"
	"context"
	"time"

	"vigil/internal/live"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// webmMagic starts every WebM (EBML) file: MediaRecorder's first chunk
// carries it, later chunks continue the same file. A client that resumes
// after a reload starts a new recorder, whose first chunk carries it again
// and opens a new segment.
var webmMagic = []byte{0x1A, 0x45, 0xDF, 0xA3}

// ChunkInput describes one uploaded video chunk.
type ChunkInput struct {
	Stream     string
	Seq        int64
	StartedAt  time.Time
	DurationMS int64
	Data       []byte
}

// PutChunk stores a WebM chunk of the webcam or screen recording. Chunks of
// one stream arrive in order, so that concatenated they play.
func (s *Service) PutChunk(ctx context.Context, sess *proctor.Session, in ChunkInput) (Ack, error) {
	u, err := s.stageChunk(ctx, sess, in, 0, nil)
	if err = s.commitOne(ctx, sess, u, err); err != nil {
		return Ack{}, err
	}
	return u.ack().(Ack), nil
}

// stageChunk checks a video chunk and writes it; floor and pack as
// stageFrame's.
func (s *Service) stageChunk(ctx context.Context, sess *proctor.Session, in ChunkInput, floor int64, pack *batchPack) (*staged, error) {
	if in.Stream != proctor.StreamWebcam && in.Stream != proctor.StreamScreen {
		return nil, proctor.E(proctor.CodeInvalid, "video stream must be %q or %q", proctor.StreamWebcam, proctor.StreamScreen)
	}
	sha := sha256Hex(in.Data)
	u := &staged{kind: store.UploadVideo, stream: in.Stream, seq: in.Seq, sha: sha,
		from: in.StartedAt, to: in.StartedAt.Add(time.Duration(in.DurationMS) * time.Millisecond)}
	var err error
	if u.dup, err = seenAfter(ctx, s.store, store.UploadVideo, sess.ID, in.Stream, in.Seq, sha, floor); u.dup || err != nil {
		return u, err
	}
	if err := s.checkChunk(sess, in); err != nil {
		return nil, err
	}
	c := &proctor.VideoChunk{SessionID: sess.ID, Stream: in.Stream, Seq: in.Seq, StartedAt: in.StartedAt,
		DurationMS: in.DurationMS, SHA256: sha, Size: int64(len(in.Data)), BlobKey: blobKey(sess.ID, "video-"+in.Stream, in.Seq, sha, "webm"),
		OpensSegment: bytes.HasPrefix(in.Data, webmMagic)}
	if pack != nil {
		pack.add(c.BlobKey, in.Data, func(key string, offset int64) { c.BlobKey, c.Packed, c.Offset = key, true, offset })
	} else if _, err := s.blobs.Put(ctx, c.BlobKey, bytes.NewReader(in.Data)); err != nil {
		return nil, err
	}
	c.ReceivedAt = s.now()
	u.insert = func(ctx context.Context, tx store.Tx) error { return tx.InsertChunk(ctx, c) }
	u.publish = func() { s.publish(sess, live.KindUpload, in.Seq) }
	return u, nil
}

// maxChunkDuration bounds one chunk's claimed length.
const maxChunkDuration = 10 * time.Minute

func (s *Service) checkChunk(sess *proctor.Session, in ChunkInput) error {
	if err := s.checkOpen(sess); err != nil {
		return err
	}
	if err := s.checkCaptureTime(sess, in.StartedAt); err != nil {
		return err
	}
	if in.DurationMS < 0 || in.DurationMS > maxChunkDuration.Milliseconds() {
		return proctor.E(proctor.CodeInvalid, "chunk duration must be between 0 and %d ms", maxChunkDuration.Milliseconds())
	}
	if len(in.Data) == 0 {
		return proctor.E(proctor.CodeNotWebM, "video chunk %d is empty", in.Seq)
	}
	if in.Seq == 0 && !bytes.HasPrefix(in.Data, webmMagic) {
		return proctor.E(proctor.CodeNotWebM, "the first video chunk must start with a WebM header")
	}
	return nil
}
