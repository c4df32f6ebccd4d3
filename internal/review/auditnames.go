package review

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"vigil/internal/store"
)

// Audit entries name what they are about by kind and id ("session:12",
// "student:4"), which is stable but unreadable; the audit page and its
// CSV add the names those ids stand for.

// subjectName is what a subject or an actor of the form kind:id is in
// words, "" when it is not one of those or no longer exists.
func (n *namer) subjectName(ctx context.Context, subject string) (string, error) {
	kind, raw, ok := strings.Cut(subject, ":")
	id, err := strconv.ParseInt(raw, 10, 64)
	if !ok || err != nil {
		return "", nil
	}
	key := kind + ":" + raw
	if name, ok := n.subjects[key]; ok {
		return name, nil
	}
	name, err := n.lookup(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		name, err = "", nil
	}
	if err != nil {
		return "", err
	}
	n.subjects[key] = name
	return name, nil
}

func (n *namer) lookup(ctx context.Context, kind string, id int64) (string, error) {
	st := n.s.store
	switch kind {
	case "session":
		return n.sessionName(ctx, id)
	case "student":
		s, err := st.GetStudent(ctx, id)
		if err != nil {
			return "", err
		}
		return s.FullName(), nil
	case "user":
		u, err := st.GetUser(ctx, id)
		if err != nil {
			return "", err
		}
		return u.Name + " <" + u.Email + ">", nil
	case "violation":
		v, err := st.GetViolation(ctx, id)
		if err != nil {
			return "", err
		}
		of, err := n.sessionName(ctx, v.SessionID)
		return fmt.Sprintf("%s in %s", v.Type, of), err
	case "exam":
		e, err := st.GetExam(ctx, id)
		if err != nil {
			return "", err
		}
		return e.Title, nil
	}
	return "", nil
}

// sessionName is "Grace Hopper, Midterm (attempt 2)".
func (n *namer) sessionName(ctx context.Context, id int64) (string, error) {
	st := n.s.store
	sess, err := st.GetSession(ctx, id)
	if err != nil {
		return "", err
	}
	student, err := st.GetStudent(ctx, sess.StudentID)
	if err != nil {
		return "", err
	}
	exam, err := st.GetExam(ctx, sess.ExamID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s, %s (attempt %d)", student.FullName(), exam.Title, sess.Attempt), nil
}
