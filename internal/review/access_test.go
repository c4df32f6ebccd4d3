package review

import (
	"context"
	"testing"
	"time"

	"vigil/internal/proctor"
)

// TestWhoMayDoWhat: in a course, Vigil's administrators and the course's
// instructors may see and change everything; a reviewer (an assistant
// without --assistants-change) may see but not change; anyone else, or
// nobody signed in, is told the course's things are not found.
func TestWhoMayDoWhat(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	ctx := context.Background()
	actors := []struct {
		name string
		a    Actor
	}{
		{"administrator", w.admin(t)},
		{"instructor", w.teacher},
		{"reviewer", w.member(t, "tam@example.edu", proctor.CourseReviewer)},
		{"instructor of another course", w.outsider},
		{"nobody", Actor{}},
	}
	sees := []proctor.Code{"", "", "", proctor.CodeNotFound, proctor.CodeNotFound}
	changes := []proctor.Code{"", "", proctor.CodeForbidden, proctor.CodeNotFound, proctor.CodeNotFound}
	s := w.decided(t, 30*time.Minute, proctor.VerdictFail, applied(proctor.MultiplePeople, 60, 70))
	v := w.violations(t, s.ID)[0]
	examID, courseID := w.exam.ID, w.exam.CourseID
	for _, c := range []struct {
		name string
		do   func(a Actor) error
		want []proctor.Code // by actor, in the order above
	}{
		{"see the course", func(a Actor) error { _, err := w.svc.Course(ctx, a, courseID); return err }, sees},
		{"see the Student List", func(a Actor) error { _, err := w.svc.StudentList(ctx, a, examID, ListQuery{}); return err }, sees},
		{"see the exam's settings", func(a Actor) error { _, err := w.svc.ExamSettings(ctx, a, examID); return err }, sees},
		{"watch the exam live", func(a Actor) error { _, err := w.svc.Live(ctx, a, examID); return err }, sees},
		{"see a session", func(a Actor) error { _, err := w.svc.Session(ctx, a, s.ID); return err }, sees},
		{"see a session's timeline", func(a Actor) error { _, err := w.svc.Timeline(ctx, a, s.ID); return err }, sees},
		{"read a session's media", func(a Actor) error { _, err := w.svc.AuthorizeSession(ctx, a, s.ID); return err }, sees},
		{"decide a violation", func(a Actor) error { _, err := w.svc.Decide(ctx, a, v.ID, proctor.DecisionExcused, ""); return err }, changes},
		{"decide violations together", func(a Actor) error {
			_, err := w.svc.DecideMany(ctx, a, s.ID, BulkDecision{Decision: proctor.DecisionExcused})
			return err
		}, changes},
		{"add a note", func(a Actor) error { return w.svc.AddNote(ctx, a, s.ID, "seen") }, changes},
		{"mark the session reviewed", func(a Actor) error { return w.svc.MarkReviewed(ctx, a, s.ID, true) }, changes},
		{"change the exam's settings", func(a Actor) error { return w.svc.UpdateSettings(ctx, a, examID, w.exam.Settings) }, changes},
		{"set an accommodation", func(a Actor) error {
			return w.svc.SetAccommodation(ctx, a, &proctor.Accommodation{ExamID: examID, StudentID: w.student.ID, Note: "extra light"})
		}, changes},
		{"export a session", func(a Actor) error {
			_, err := w.svc.RequestExport(ctx, a, ExportRequest{Scope: proctor.ScopeSession, SessionID: s.ID, Items: []string{"summary"}})
			return err
		}, changes},
		{"export an exam", func(a Actor) error {
			_, err := w.svc.RequestExport(ctx, a, ExportRequest{Scope: proctor.ScopeExam, ExamID: examID, Items: []string{"summary"}})
			return err
		}, changes},
		{"act on a session through the LMS", func(a Actor) error { _, err := w.svc.AuthorizeSessionChange(ctx, a, s.ID); return err }, changes},
		{"change the course", func(a Actor) error { return w.svc.AuthorizeCourseChange(ctx, a, courseID) }, changes},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i, who := range actors {
				if err := c.do(who.a); codeOf(err) != c.want[i] {
					t.Errorf("%s: %v, want code %q", who.name, err, c.want[i])
				}
			}
		})
	}
}
