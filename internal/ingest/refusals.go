package ingest

import (
	"context"
	"fmt"
	"sync"

	"vigil/internal/proctor"
)

// refusals remembers which expired tokens were already recorded, so a
// client that keeps retrying with one leaves one audit entry, not
// thousands. It forgets everything when full: at worst an entry repeats.
type refusals struct {
	mu   sync.Mutex
	seen map[string]bool
}

const maxRefusals = 10000

// first reports whether hash is new, and remembers it.
func (r *refusals) first(hash string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[hash] {
		return false
	}
	if r.seen == nil || len(r.seen) >= maxRefusals {
		r.seen = map[string]bool{}
	}
	r.seen[hash] = true
	return true
}

// recordRefusal puts an expired token's refusal in the audit log, under its
// session, so the reviewer learns why uploads stopped. Failing to record is
// logged and does not change the answer the client gets.
func (s *Service) recordRefusal(ctx context.Context, sessionID int64, hash string) {
	if !s.refused.first(hash) {
		return
	}
	e := &proctor.AuditEntry{At: s.now(), Actor: "capture client", Action: proctor.AuditTokenRefused,
		Subject: fmt.Sprintf("session:%d", sessionID), Detail: "an upload was refused: the session token had expired"}
	err := func() error {
		sess, err := s.store.GetSession(ctx, sessionID)
		if err != nil {
			return err
		}
		exam, err := s.store.GetExam(ctx, sess.ExamID)
		if err != nil {
			return err
		}
		e.CourseID = exam.CourseID
		return s.store.AppendAudit(ctx, e)
	}()
	if err != nil {
		s.log.Error("record refused token", "session", sessionID, "err", err)
	}
}
