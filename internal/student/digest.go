package student

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// SendDigest tells the instructors of a session's course, in one mail
// each, of the explanations its student sent since the last digest. With
// none new (an earlier digest carried them) it sends nothing. Reading,
// mailing and marking happen in one transaction, so two digests running
// at once cannot both carry the same explanation.
func (s *Service) SendDigest(ctx context.Context, sessionID int64) error {
	return s.d.Store.InTx(ctx, func(tx store.Tx) error {
		es, err := tx.ListExplanations(ctx, sessionID)
		if err != nil {
			return err
		}
		var fresh []proctor.Explanation
		var upTo time.Time
		for _, e := range es {
			if e.NotifiedAt.IsZero() {
				fresh = append(fresh, e)
				upTo = later(upTo, e.UpdatedAt)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		to, body, subj, err := s.digest(ctx, tx, sessionID, fresh)
		if err != nil {
			return err
		}
		for _, addr := range to {
			if err := s.queueMail(ctx, tx, s.mail(addr, subj, body)); err != nil {
				return err
			}
		}
		return tx.MarkExplanationsNotified(ctx, sessionID, upTo, s.d.Now())
	})
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// digest writes the mail: to the course's instructors (not its read-only
// reviewers), the new explanations beside their flags.
func (s *Service) digest(ctx context.Context, tx store.Tx, sessionID int64, fresh []proctor.Explanation) ([]string, string, string, error) {
	sess, err := tx.GetSession(ctx, sessionID)
	if err != nil {
		return nil, "", "", err
	}
	exam, err := tx.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, "", "", err
	}
	st, err := tx.GetStudent(ctx, sess.StudentID)
	if err != nil {
		return nil, "", "", err
	}
	to, err := instructorEmails(ctx, tx, exam.CourseID)
	if err != nil {
		return nil, "", "", err
	}
	vs, err := tx.ListViolations(ctx, sess.ID)
	if err != nil {
		return nil, "", "", err
	}
	byKey := map[string]*proctor.Violation{}
	for i := range vs {
		byKey[vs[i].Key()] = &vs[i]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\n%s has explained %d flag%s of their proctored exam \"%s\" (attempt %d):\n\n",
		st.FullName(), len(fresh), plural(len(fresh)), exam.Title, sess.AttemptLabel())
	for _, e := range fresh {
		what := "A flag no longer in the session's decision"
		if v := byKey[e.ViolationKey]; v != nil {
			what = fmt.Sprintf("%s at %s", v.Type.Label(), clock(sess, v.Start))
		}
		fmt.Fprintf(&b, "- %s:\n  %s\n\n", what, strings.ReplaceAll(e.Body, "\n", "\n  "))
	}
	fmt.Fprintf(&b, "Read them beside the evidence and decide on the session page:\n%s\n\n— Vigil\n",
		s.url(fmt.Sprintf("/sessions/%d?tab=violations", sess.ID)))
	subj := fmt.Sprintf("%s explained %d flag%s on %s", st.FullName(), len(fresh), plural(len(fresh)), exam.Title)
	return to, b.String(), subj, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func instructorEmails(ctx context.Context, tx store.Tx, courseID int64) ([]string, error) {
	members, err := tx.ListCourseMembers(ctx, courseID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range members {
		if m.Role != proctor.CourseInstructor {
			continue
		}
		u, err := tx.GetUser(ctx, m.UserID)
		if err != nil {
			return nil, err
		}
		if u.Email != "" {
			out = append(out, u.Email)
		}
	}
	return out, nil
}
