package ingest

import (
	"bytes"
	"context"
	"mime"
	"strings"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/live"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// AudioInput describes one uploaded stretch of microphone audio.
type AudioInput struct {
	Seq         int64
	StartedAt   time.Time // client clock, start of the audio
	ContentType string    // audio/basic or audio/L16;rate=8000|16000
	Data        []byte
}

// maxAudioChunk bounds one chunk's length.
const maxAudioChunk = 2 * time.Minute

// PutAudio stores a chunk of microphone audio. Chunks arrive in order; the
// client may leave out silence, so they need not touch in time.
func (s *Service) PutAudio(ctx context.Context, sess *proctor.Session, in AudioInput) (Ack, error) {
	u, err := s.stageAudio(ctx, sess, in, 0, nil)
	if err = s.commitOne(ctx, sess, u, err); err != nil {
		return Ack{}, err
	}
	return u.ack().(Ack), nil
}

// stageAudio checks an audio chunk and writes it; floor and pack as
// stageFrame's.
func (s *Service) stageAudio(ctx context.Context, sess *proctor.Session, in AudioInput, floor int64, pack *batchPack) (*staged, error) {
	sha := sha256Hex(in.Data)
	u := &staged{kind: store.UploadAudio, seq: in.Seq, sha: sha}
	var err error
	if u.dup, err = seenAfter(ctx, s.store, store.UploadAudio, sess.ID, "", in.Seq, sha, floor); u.dup || err != nil {
		return u, err
	}
	if err := s.checkOpen(sess); err != nil {
		return nil, err
	}
	if err := s.checkCaptureTime(sess, in.StartedAt); err != nil {
		return nil, err
	}
	a, err := s.audioChunk(sess, in, sha)
	if err != nil {
		return nil, err
	}
	if pack != nil {
		pack.add(a.BlobKey, in.Data, func(key string, offset int64) { a.BlobKey, a.Packed, a.Offset = key, true, offset })
	} else if _, err := s.blobs.Put(ctx, a.BlobKey, bytes.NewReader(in.Data)); err != nil {
		return nil, err
	}
	a.ReceivedAt = s.now()
	u.from, u.to = in.StartedAt, in.StartedAt.Add(time.Duration(a.DurationMS)*time.Millisecond)
	u.insert = func(ctx context.Context, tx store.Tx) error { return tx.InsertAudio(ctx, a) }
	u.publish = func() { s.publish(sess, live.KindUpload, in.Seq) }
	return u, nil
}

// audioChunk decodes the audio (so nothing unplayable is stored) and
// describes it; the duration is the server's count of samples, not a claim.
func (s *Service) audioChunk(sess *proctor.Session, in AudioInput, sha string) (*proctor.AudioChunk, error) {
	samples, rate, err := voice.Decode(in.ContentType, in.Data)
	if err != nil {
		return nil, proctor.E(proctor.CodeUnsupportedMedia, "audio chunk %d: %s", in.Seq, strings.TrimPrefix(err.Error(), "voice: "))
	}
	dur := time.Duration(len(samples)) * time.Second / time.Duration(rate)
	if dur > maxAudioChunk {
		return nil, proctor.E(proctor.CodeTooLarge, "audio chunk %d lasts %s; send at most %s per chunk", in.Seq, dur.Round(time.Second), maxAudioChunk)
	}
	mt, params, _ := mime.ParseMediaType(in.ContentType)
	return &proctor.AudioChunk{SessionID: sess.ID, Seq: in.Seq, StartedAt: in.StartedAt, DurationMS: dur.Milliseconds(),
		Format: mime.FormatMediaType(mt, params), SHA256: sha, Size: int64(len(in.Data)),
		BlobKey: blobKey(sess.ID, "audio", in.Seq, sha, "raw")}, nil
}
