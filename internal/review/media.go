package review

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"vigil/internal/blob"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// ErrMediaGone: the session's media was deleted under the retention
// policy; its summary, incidents, decisions and notes are kept.
var ErrMediaGone = errors.New("review: the session's media was deleted under the retention policy")

// Frame returns one frame of a session the actor may see, with the
// session; when the session's media was purged it returns the session
// and ErrMediaGone. The caller audits the read (mediaguard).
func (s *Service) Frame(ctx context.Context, a Actor, sessionID, seq int64) (*proctor.Session, *proctor.Frame, error) {
	sess, err := s.AuthorizeSession(ctx, a, sessionID)
	if err != nil {
		return nil, nil, err
	}
	if sess.MediaPurged() {
		return sess, nil, ErrMediaGone
	}
	f, err := s.store.GetFrame(ctx, sessionID, seq)
	if err != nil {
		return nil, nil, err
	}
	return sess, f, nil
}

// Photo returns an identity photo of a session the actor may see, with
// the session.
func (s *Service) Photo(ctx context.Context, a Actor, photoID int64) (*proctor.Session, *proctor.Photo, error) {
	p, err := s.store.GetPhotoByID(ctx, photoID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, proctor.E(proctor.CodeNotFound, "no such photo: it may have been deleted under the retention policy")
	}
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.AuthorizeSession(ctx, a, p.SessionID)
	if err != nil {
		return nil, nil, err
	}
	return sess, p, nil
}

// Video is one recording of a session's stream: the WebM chunks between
// two gaps, played as one file.
type Video struct {
	Session *proctor.Session
	Stream  string
	Segment int
	Chunks  []proctor.VideoChunk
}

// Video returns segment (a number from 0; "" is 0) of a stream of a
// session the actor may see; when the session's media was purged it
// returns the video with only its session, and ErrMediaGone.
func (s *Service) Video(ctx context.Context, a Actor, sessionID int64, stream, segment string) (*Video, error) {
	sess, err := s.AuthorizeSession(ctx, a, sessionID)
	if err != nil {
		return nil, err
	}
	v := &Video{Session: sess, Stream: stream}
	if sess.MediaPurged() {
		return v, ErrMediaGone
	}
	chunks, err := s.store.ListChunks(ctx, sessionID, stream)
	if err != nil {
		return nil, err
	}
	if v.Segment, v.Chunks, err = pickSegment(chunks, segment); err != nil {
		return nil, err
	}
	return v, nil
}

// pickSegment picks the chunks of the segment a request names.
func pickSegment(chunks []proctor.VideoChunk, param string) (int, []proctor.VideoChunk, error) {
	n := 0
	if param != "" {
		var err error
		if n, err = strconv.Atoi(param); err != nil || n < 0 {
			return 0, nil, proctor.E(proctor.CodeInvalid, "segment must be a number from 0")
		}
	}
	segs := proctor.Segments(chunks)
	if n >= len(segs) {
		return 0, nil, proctor.E(proctor.CodeNotFound, "this session has no such recording (segment %d of %d)", n, len(segs))
	}
	return n, segs[n], nil
}

// Parts names the video's blobs, in order, for blob.NewConcat.
func (v *Video) Parts() []blob.Part { return ChunkParts(v.Chunks) }

// JoinedKey is where the video is kept joined into one object once the
// session has finished (jobargs.JoinVideo).
func (v *Video) JoinedKey() string { return JoinedKey(v.Session.ID, v.Stream, v.Segment) }

// JoinedKey is where a joined segment is kept (under the session's
// folder, so retention deletes it with the rest).
func JoinedKey(sessionID int64, stream string, segment int) string {
	return fmt.Sprintf("sessions/%d/joined/%s-%d.webm", sessionID, stream, segment)
}

// ChunkParts names the blobs of video chunks, for blob.NewConcat.
func ChunkParts(chunks []proctor.VideoChunk) []blob.Part {
	parts := make([]blob.Part, len(chunks))
	for i, c := range chunks {
		parts[i] = blob.Part{Key: c.BlobKey, Offset: c.Offset, Size: c.Size}
	}
	return parts
}
