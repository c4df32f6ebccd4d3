package review

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// BulkDecision is one decision, with one note, on several violations of a
// session: those listed in IDs or, when IDs is empty, every violation of
// Type (any type when empty) shorter than Shorter (any length when zero).
type BulkDecision struct {
	Decision proctor.Decision
	Note     string
	IDs      []int64
	Type     proctor.ViolationType
	Shorter  time.Duration
}

// maxBulk bounds the violations one bulk decision may list by id.
const maxBulk = 10000

// Matches reports whether the filter of b (Type and Shorter) selects v.
func (b *BulkDecision) Matches(v *proctor.Violation) bool {
	return (b.Type == "" || v.Type == b.Type) && (b.Shorter <= 0 || v.Duration() < b.Shorter)
}

func (b *BulkDecision) check() error {
	switch {
	case !b.Decision.Valid():
		return proctor.E(proctor.CodeInvalid, "decision must be confirmed, excused or empty")
	case len(b.Note) > maxNote:
		return proctor.E(proctor.CodeInvalid, "the note is longer than %d characters", maxNote)
	case len(b.IDs) > maxBulk:
		return proctor.E(proctor.CodeInvalid, "at most %d incidents can be decided at once", maxBulk)
	case b.Type != "" && !b.Type.Valid():
		return proctor.E(proctor.CodeInvalid, "unknown violation type %q", b.Type)
	case b.Shorter < 0:
		return proctor.E(proctor.CodeInvalid, "the length must not be negative")
	}
	return nil
}

// DecideMany records a bulk decision on a session's violations. Each one
// is decided and audited on its own, as Decide does, and the reviewed
// verdict is recomputed once, all in one transaction. It returns the
// violations decided, none when the filter matched none; an id that is
// not one of the session's violations refuses the whole decision.
func (s *Service) DecideMany(ctx context.Context, a Actor, sessionID int64, b BulkDecision) ([]proctor.Violation, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	sess, exam, err := s.sessionScope(ctx, a, sessionID, s.canChange)
	if err != nil {
		return nil, err
	}
	var chosen []proctor.Violation
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		vs, err := tx.ListViolations(ctx, sess.ID)
		if err != nil {
			return err
		}
		if chosen, err = b.choose(vs); err != nil || len(chosen) == 0 {
			return err
		}
		now := s.now()
		for i := range chosen {
			v := &chosen[i]
			if err := tx.DecideViolation(ctx, v.ID, b.Decision, b.Note, a.User.ID, now); err != nil {
				return err
			}
			v.Decision, v.DecisionNote, v.DecidedBy, v.DecidedAt = b.Decision, b.Note, a.User.ID, now
			detail := fmt.Sprintf("%s %s (one of %d decided together): %s", v.Type, b.Decision.Label(), len(chosen), b.Note)
			if err := s.audit(ctx, tx, a, proctor.AuditViolationDecide, exam.CourseID, fmt.Sprintf("violation:%d", v.ID), detail); err != nil {
				return err
			}
		}
		return s.refreshVerdict(ctx, tx, sess, exam)
	})
	if err != nil {
		return nil, err
	}
	return chosen, nil
}

// choose picks the session's violations b names, in time order.
func (b *BulkDecision) choose(vs []proctor.Violation) ([]proctor.Violation, error) {
	var out []proctor.Violation
	if len(b.IDs) == 0 {
		for i := range vs {
			if b.Matches(&vs[i]) {
				out = append(out, vs[i])
			}
		}
		return out, nil
	}
	byID := make(map[int64]int, len(vs))
	for i := range vs {
		byID[vs[i].ID] = i
	}
	seen := map[int64]bool{}
	for _, id := range b.IDs {
		i, ok := byID[id]
		if !ok {
			return nil, proctor.E(proctor.CodeInvalid, "incident %d is not one of this session's", id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, vs[i])
		}
	}
	slices.SortFunc(out, func(x, y proctor.Violation) int { return cmp.Or(x.Start.Compare(y.Start), cmp.Compare(x.ID, y.ID)) })
	return out, nil
}

// names returns the names of users by id (the reviewers who decided or
// marked a session), skipping zero ids.
func (s *Service) names(ctx context.Context, ids ...int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, id := range ids {
		if _, seen := out[id]; seen || id == 0 {
			continue
		}
		u, err := s.store.GetUser(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("review: user %d: %w", id, err)
		}
		out[id] = u.Name
	}
	return out, nil
}

// deciders lists who decided any of vs, and who marked the session.
func deciders(sess *proctor.Session, vs []proctor.Violation) []int64 {
	ids := []int64{sess.ReviewedBy}
	for i := range vs {
		ids = append(ids, vs[i].DecidedBy)
	}
	return ids
}
