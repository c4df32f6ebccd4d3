package review

import (
	"context"

	"vigil/internal/proctor"
)

// EvidenceOf returns each violation's evidence besides snapshots, by id,
// as the session page shows it: for the student's own released review
// (package student), which has checked that the student may see it.
func (s *Service) EvidenceOf(ctx context.Context, sess *proctor.Session, vs []proctor.Violation) (map[int64]Evidence, error) {
	return s.evidence(ctx, sess, vs)
}
