package ingest

import (
	"bytes"
	"context"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/live"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// PutFrame stores webcam frame seq of a session: a JPEG captured at
// capturedAt (client clock). Frames must arrive in order without gaps.
func (s *Service) PutFrame(ctx context.Context, sess *proctor.Session, seq int64, capturedAt time.Time, data []byte) (Ack, error) {
	sha := sha256Hex(data)
	if dup, err := frameSeen(ctx, s.store, sess.ID, seq, sha); dup || err != nil {
		return Ack{Seq: seq, Next: seq + 1, Duplicate: dup}, err
	}
	if err := s.checkOpen(sess); err != nil {
		return Ack{}, err
	}
	if err := s.checkCaptureTime(sess, capturedAt); err != nil {
		return Ack{}, err
	}
	w, h, err := analysis.CheckJPEG(data)
	if err != nil {
		return Ack{}, proctor.E(proctor.CodeNotJPEG, "frame %d: %v", seq, err)
	}
	f := &proctor.Frame{SessionID: sess.ID, Seq: seq, CapturedAt: capturedAt, SHA256: sha, Size: int64(len(data)),
		Width: w, Height: h, BlobKey: blobKey(sess.ID, "frames", seq, sha, "jpg")}
	// The blob is content-addressed, so writing it before the row can never
	// overwrite an acknowledged frame; a crash between the two leaves an
	// unreferenced file that the retry's identical write reuses.
	if _, err := s.blobs.Put(ctx, f.BlobKey, bytes.NewReader(data)); err != nil {
		return Ack{}, err
	}
	f.ReceivedAt = s.now()
	var dup bool
	err = s.commitCapture(ctx, sess, capturedAt, capturedAt, func(tx store.Tx) error {
		var err error
		dup, err = insertOnce(ctx, tx, store.UploadFrame, sess.ID, "", seq, sha, func() error { return tx.InsertFrame(ctx, f) })
		return err
	})
	if err == nil && !dup {
		s.publish(sess, live.KindFrame, seq)
	}
	return Ack{Seq: seq, Next: seq + 1, Duplicate: dup}, err
}

func frameSeen(ctx context.Context, q uploads, sid, seq int64, sha string) (bool, error) {
	return seen(ctx, q, store.UploadFrame, sid, "", seq, sha)
}
