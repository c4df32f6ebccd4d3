package sqlstore

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// newSession creates a course, an exam, a student and a session for tests.
func newSession(t *testing.T, st store.Store) *proctor.Session {
	t.Helper()
	ctx := t.Context()
	c := &proctor.Course{Code: "C", Title: "C", Enabled: true}
	must(t, st.CreateCourse(ctx, c))
	e := &proctor.Exam{CourseID: c.ID, Title: "E", Settings: proctor.DefaultSettings()}
	must(t, st.CreateExam(ctx, e))
	s := &proctor.Student{CourseID: c.ID, FirstName: "A", LastName: "B"}
	must(t, st.CreateStudent(ctx, s))
	sess := &proctor.Session{ExamID: e.ID, StudentID: s.ID, CreatedAt: time.Now(), ClientStartedAt: time.Now()}
	must(t, st.CreateSession(ctx, sess))
	return sess
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
