package review

import (
	"context"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
)

// listReasons explains the verdict in force of every analysed row of a
// Student List, by session id, from the exam's violations read once.
func (s *Service) listReasons(ctx context.Context, exam *proctor.Exam, rows []ListRow, bySession map[int64][]proctor.Violation) (map[int64]analysis.Reason, error) {
	reasons := make(map[int64]analysis.Reason, len(rows))
	r := analysis.NewReasoner(s.store)
	var err error
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
