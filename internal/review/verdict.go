package review

import (
	"context"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// listReasons explains the verdict in force of every analysed row of a
// Student List, by session id.
func (s *Service) listReasons(ctx context.Context, exam *proctor.Exam, rows []store.SessionRow) (map[int64]analysis.Reason, error) {
	reasons := make(map[int64]analysis.Reason, len(rows))
	r := analysis.NewReasoner(s.store)
	bySession, err := s.store.ListExamViolations(ctx, exam.ID)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		sess := &rows[i].Session
		if sess.Verdict == proctor.VerdictNone {
			continue
		}
		if reasons[sess.ID], err = r.InForce(ctx, sess, exam.Settings.Policy, bySession[sess.ID]); err != nil {
			return nil, err
		}
	}
	return reasons, nil
}
