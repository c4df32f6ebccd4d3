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
	u, err := s.stageFrame(ctx, sess, seq, capturedAt, data, 0, nil)
	if err = s.commitOne(ctx, sess, u, err); err != nil {
		return Ack{}, err
	}
	return u.ack().(Ack), nil
}

// stageFrame checks a frame and writes its JPEG; floor is the next number
// a batch's earlier frames leave expected (0 outside a batch). A batch
// passes its pack, which takes the JPEG to write with the batch's other
// media in one object (batchPack.write).
func (s *Service) stageFrame(ctx context.Context, sess *proctor.Session, seq int64, capturedAt time.Time, data []byte, floor int64, pack *batchPack) (*staged, error) {
	sha := sha256Hex(data)
	u := &staged{kind: store.UploadFrame, seq: seq, sha: sha, from: capturedAt, to: capturedAt}
	var err error
	if u.dup, err = seenAfter(ctx, s.store, store.UploadFrame, sess.ID, "", seq, sha, floor); u.dup || err != nil {
		return u, err
	}
	if err := s.checkOpen(sess); err != nil {
		return nil, err
	}
	if err := s.checkCaptureTime(sess, capturedAt); err != nil {
		return nil, err
	}
	w, h, err := analysis.CheckJPEG(data)
	if err != nil {
		return nil, proctor.E(proctor.CodeNotJPEG, "frame %d: %v", seq, err)
	}
	f := &proctor.Frame{SessionID: sess.ID, Seq: seq, CapturedAt: capturedAt, SHA256: sha, Size: int64(len(data)),
		Width: w, Height: h, BlobKey: blobKey(sess.ID, "frames", seq, sha, "jpg")}
	// The blob is content-addressed, so writing it before the row can never
	// overwrite an acknowledged frame; a crash between the two leaves an
	// unreferenced file that the retry's identical write reuses.
	if pack != nil {
		pack.add(f.BlobKey, data, func(key string, offset int64) { f.BlobKey, f.Packed, f.Offset = key, true, offset })
	} else if _, err := s.blobs.Put(ctx, f.BlobKey, bytes.NewReader(data)); err != nil {
		return nil, err
	}
	f.ReceivedAt = s.now()
	u.insert = func(ctx context.Context, tx store.Tx) error { return tx.InsertFrame(ctx, f) }
	u.publish = func() { s.publish(sess, live.KindFrame, seq) }
	return u, nil
}
