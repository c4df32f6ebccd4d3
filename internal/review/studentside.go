package review

import (
	"context"
	"time"

	"vigil/internal/proctor"
)

// EvidenceOf returns each violation's evidence besides snapshots, by id,
// as the session page shows it: for the student's own released review
// (package student), which has checked that the student may see it.
func (s *Service) EvidenceOf(ctx context.Context, sess *proctor.Session, vs []proctor.Violation) (map[int64]Evidence, error) {
	return s.evidence(ctx, sess, vs)
}

// ScreenOf returns the screen recording's segment that holds a
// violation's start, and how far into it the violation starts, as the
// session page links it (Evidence.ScreenURL): for the student's own
// released review (package student), which has checked that the student
// may see the violation's evidence. It is not found when the violation's
// evidence has no screen recording.
func (s *Service) ScreenOf(ctx context.Context, sess *proctor.Session, v *proctor.Violation) (*Video, time.Duration, error) {
	none := proctor.E(proctor.CodeNotFound, "the screen was not recorded at the moment of this flag")
	if !screenShown(v.Type) {
		return nil, 0, none
	}
	chunks, err := s.store.ListChunks(ctx, sess.ID, proctor.StreamScreen)
	if err != nil {
		return nil, 0, err
	}
	n, seg, off, ok := screenSegment(chunks, v.Start)
	if !ok {
		return nil, 0, none
	}
	return &Video{Session: sess, Stream: proctor.StreamScreen, Segment: n, Chunks: seg}, off, nil
}
