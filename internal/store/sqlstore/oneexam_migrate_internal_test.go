package sqlstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// TestOneExamMigrationMergesDuplicates: on SQLite (postgres_test.go runs it
// on PostgreSQL), see checkOneExamMerge.
func TestOneExamMigrationMergesDuplicates(t *testing.T) {
	checkOneExamMerge(t, sqliteAt(t, func(v int) bool { return v < 11 }))
}

// checkOneExamMerge builds, at the schema before migration 0011, the exams
// that older versions made twice for one LMS assessment — "Proctor with
// Vigil" on Canvas quiz 501 (exam Q, which the instructor opened and left
// empty), the students' LTI Proctoring launches for it (exam P, resource
// link 501, with the sessions), the same quiz proctored again (E3), and an
// exam tied to them only through P (E4, quiz 601, whose id P's second
// resource link carries) — and checks that the migration leaves one exam,
// the oldest, holding all their sessions (attempts numbered after its
// own), violations with their decisions, notes, session links, exports,
// every name of the assessment, the settings the instructor changed last,
// each student's latest accommodation and the latest access code, with
// the audit log intact plus one entry per merge. Exams of other
// assessments and courses are left alone.
func checkOneExamMerge(t *testing.T, st *Store) {
	ctx := t.Context()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := st.writer.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	at := func(min int) time.Time { return time.Date(2026, 3, 2, 9, min, 0, 0, time.UTC) }
	p := &proctor.Platform{Name: "Canvas", Issuer: "https://canvas", ClientID: "1", AuthURL: "a", TokenURL: "t", JWKSURL: "j"}
	oldPlatform(t, st, p)
	course := &proctor.Course{Code: "BIO", Title: "Biology", Enabled: true}
	must(t, st.CreateCourse(ctx, course))
	oldContext(t, st, &proctor.LTIContext{CourseID: course.ID, PlatformID: p.ID, ContextID: "c1", LMSCourseID: "101"})
	other := &proctor.Course{Code: "CHEM", Title: "Chemistry", Enabled: true}
	must(t, st.CreateCourse(ctx, other))
	teacher := &proctor.User{Email: "t@x", Name: "T", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx, teacher, ""))

	exam := func(c *proctor.Course, title string) *proctor.Exam {
		e := &proctor.Exam{CourseID: c.ID, Title: title, Settings: proctor.DefaultSettings(), CreatedAt: at(0)}
		must(t, st.CreateExam(ctx, e))
		return e
	}
	q, pr, e3, e4, unrelated, elsewhere := exam(course, "Midterm (quiz)"), exam(course, "Midterm"), exam(course, "Midterm again"),
		exam(course, "Quiz 601"), exam(course, "Other quiz"), exam(other, "Chemistry midterm")
	quizRow := func(e *proctor.Exam, quiz, code string, min int) {
		must(t, st.SaveLMSQuiz(ctx, &proctor.LMSQuiz{ExamID: e.ID, QuizID: quiz, AccessCode: code, UpdatedAt: at(min)}))
	}
	quizRow(q, "501", "code-q", 1)
	quizRow(e3, "501", "code-3", 5) // the last "Proctor with Vigil": Canvas holds its code
	quizRow(e4, "601", "code-4", 0)
	quizRow(elsewhere, "501", "code-chem", 1)
	for _, l := range []struct {
		link string
		exam *proctor.Exam
	}{{"501", pr}, {"601", pr}, {"rl-other", unrelated}} {
		exec(`INSERT INTO lti_resource_links (course_id, resource_link_id, exam_id) VALUES ($1, $2, $3)`, course.ID, l.link, l.exam.ID)
	}
	// The instructor changed P's settings last (E4's earlier; Q's never).
	edited := proctor.DefaultSettings()
	edited.Policy.FailShare = 0.42
	must(t, st.UpdateExamSettings(ctx, pr.ID, edited, at(6)))
	older := proctor.DefaultSettings()
	older.Policy.FailShare = 0.9
	must(t, st.UpdateExamSettings(ctx, e4.ID, older, at(2)))

	student := func(first string) *proctor.Student {
		s := &proctor.Student{CourseID: course.ID, FirstName: first, LastName: "S"}
		must(t, st.CreateStudent(ctx, s))
		return s
	}
	ana, ben := student("Ana"), student("Ben")
	session := func(e *proctor.Exam, s *proctor.Student, min int) *proctor.Session {
		sess := &proctor.Session{ExamID: e.ID, StudentID: s.ID, CreatedAt: at(min), ClientStartedAt: at(min)}
		must(t, st.CreateSession(ctx, sess))
		return sess
	}
	qAna := session(q, ana, 1)         // attempt 1 on Q
	pAna1 := session(pr, ana, 2)       // attempt 1 on P → 2
	pAna2 := session(pr, ana, 4)       // attempt 2 on P → 4 (after E3's)
	e3Ana := session(e3, ana, 3)       // attempt 1 on E3 → 3
	pBen := session(pr, ben, 2)        // attempt 1 on P → 1
	e4Ben := session(e4, ben, 7)       // attempt 1 on E4 → 2
	chem := session(elsewhere, ana, 1) // another course's exam: untouched
	must(t, st.ReplaceViolations(ctx, pAna1.ID, []proctor.Violation{{Type: proctor.MultiplePeople, Start: at(2), End: at(3),
		Confidence: 0.9, Applied: true, Rule: "r", Reason: "two faces"}}))
	vs, err := st.ListViolations(ctx, pAna1.ID)
	must(t, err)
	must(t, st.DecideViolation(ctx, vs[0].ID, proctor.DecisionConfirmed, "her sister", teacher.ID, at(9)))
	must(t, st.AddNote(ctx, &proctor.Note{SessionID: pAna1.ID, AuthorID: teacher.ID, Body: "spoke to her", CreatedAt: at(9)}))
	// At schema 0010, before links were bound to a session (0014).
	_, err = st.writer.ExecContext(ctx, `INSERT INTO session_links (token_hash, exam_id, student_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, "link-ben", pr.ID, ben.ID, ms(at(2)), ms(at(60)))
	must(t, err)
	export := &proctor.Export{UserID: teacher.ID, CourseID: course.ID, ExamID: pr.ID, Scope: proctor.ScopeExam,
		SessionIDs: []int64{pAna1.ID}, Items: []proctor.ExportItem{proctor.ItemSummary}, CreatedAt: at(9)}
	must(t, st.CreateExport(ctx, export))
	accommodate := func(e *proctor.Exam, s *proctor.Student, note string, min int) {
		// At schema 0010, before accommodations allowed keys (0014).
		_, err := st.writer.ExecContext(ctx, `INSERT INTO accommodations (exam_id, student_id, off, allowed_apps, note, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, s.ID, string(proctor.BackgroundAudio), "", note, teacher.ID, ms(at(min)))
		must(t, err)
	}
	accommodate(q, ana, "Ana on Q", 3)
	accommodate(pr, ana, "Ana on P, later", 4)
	accommodate(e3, ben, "Ben on E3", 1)
	must(t, st.AppendAudit(ctx, &proctor.AuditEntry{At: at(6), UserID: teacher.ID, Action: proctor.AuditExamSettings,
		CourseID: course.ID, Subject: fmt.Sprintf("exam:%d", pr.ID), Detail: "fail share 0.42"}))

	applied, err := st.Migrate(ctx)
	if err != nil || !slices.Contains(applied, 11) {
		t.Fatalf("Migrate applied %v: %v", applied, err)
	}

	// One exam for the assessment, the oldest; the others are gone.
	exams, err := st.ListExams(ctx, course.ID)
	must(t, err)
	var ids []int64
	for _, e := range exams {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, []int64{q.ID, unrelated.ID}) {
		t.Fatalf("exams %v after the migration, want Q %d and the unrelated %d", ids, q.ID, unrelated.ID)
	}
	if got, _ := st.ListExams(ctx, other.ID); len(got) != 1 || got[0].Sessions != 1 {
		t.Fatalf("the other course's exams: %+v", got)
	}
	// Every name of it leads there; other assessments keep theirs.
	for _, c := range []struct {
		course int64
		key    proctor.AssessmentKey
		want   int64
	}{
		{course.ID, proctor.AssessmentKey{Kind: proctor.AssessmentResourceLink, ID: "501"}, q.ID},
		{course.ID, proctor.AssessmentKey{Kind: proctor.AssessmentCanvasQuiz, ID: "501"}, q.ID},
		{course.ID, proctor.AssessmentKey{Kind: proctor.AssessmentResourceLink, ID: "601"}, q.ID},
		{course.ID, proctor.AssessmentKey{Kind: proctor.AssessmentCanvasQuiz, ID: "601"}, q.ID},
		{course.ID, proctor.AssessmentKey{Kind: proctor.AssessmentResourceLink, ID: "rl-other"}, unrelated.ID},
		{other.ID, proctor.AssessmentKey{Kind: proctor.AssessmentCanvasQuiz, ID: "501"}, elsewhere.ID},
	} {
		if e, err := st.ExamForAssessment(ctx, c.course, c.key); err != nil || e.ID != c.want {
			t.Errorf("%s in course %d: exam %+v (%v), want %d", c.key, c.course, e, err, c.want)
		}
	}
	// The sessions, attempts numbered after the exam's own, in order.
	rows, err := st.ListExamSessions(ctx, q.ID)
	must(t, err)
	attempts := map[int64]int{}
	for _, r := range rows {
		attempts[r.Session.ID] = r.Session.Attempt
	}
	want := map[int64]int{qAna.ID: 1, pAna1.ID: 2, e3Ana.ID: 3, pAna2.ID: 4, pBen.ID: 1, e4Ben.ID: 2}
	if fmt.Sprint(attempts) != fmt.Sprint(want) {
		t.Fatalf("sessions and attempts of Q %v, want %v", attempts, want)
	}
	if s, err := st.GetSession(ctx, chem.ID); err != nil || s.ExamID != elsewhere.ID || s.Attempt != 1 {
		t.Fatalf("the other course's session: %+v (%v)", s, err)
	}
	vs, err = st.ListViolations(ctx, pAna1.ID)
	must(t, err)
	notes, err := st.ListNotes(ctx, pAna1.ID)
	must(t, err)
	if len(vs) != 1 || vs[0].Decision != proctor.DecisionConfirmed || vs[0].DecisionNote != "her sister" || len(notes) != 1 {
		t.Fatalf("violations %+v and notes %+v of a moved session", vs, notes)
	}
	if l, err := st.GetSessionLink(ctx, "link-ben"); err != nil || l.ExamID != q.ID {
		t.Fatalf("session link %+v (%v), want it on Q", l, err)
	}
	if e, err := st.GetExport(ctx, export.ID); err != nil || e.ExamID != q.ID {
		t.Fatalf("export %+v (%v), want it on Q", e, err)
	}
	// The settings changed last, the latest accommodation per student, the
	// latest access code.
	got, err := st.GetExam(ctx, q.ID)
	must(t, err)
	if got.Settings.Policy.FailShare != 0.42 || !got.UpdatedAt.Equal(at(6)) || got.Title != "Midterm (quiz)" {
		t.Fatalf("Q after the merge: fail share %v, updated %v, title %q; want P's settings of %v", got.Settings.Policy.FailShare,
			got.UpdatedAt, got.Title, at(6))
	}
	accs, err := st.ListAccommodations(ctx, q.ID)
	must(t, err)
	var notesOf []string
	for _, a := range accs {
		notesOf = append(notesOf, a.Note)
	}
	slices.Sort(notesOf)
	if !slices.Equal(notesOf, []string{"Ana on P, later", "Ben on E3"}) {
		t.Fatalf("accommodations of Q: %q", notesOf)
	}
	if code, err := st.GetLMSQuiz(ctx, q.ID); err != nil || code.QuizID != "501" || code.AccessCode != "code-3" {
		t.Fatalf("Q's quiz code %+v (%v), want E3's, the last set", code, err)
	}
	// Where each exam went, for links that name it; each merge audited,
	// the earlier entries kept.
	for _, from := range []int64{pr.ID, e3.ID, e4.ID} {
		if into, err := st.ExamMergedInto(ctx, from); err != nil || into != q.ID {
			t.Errorf("exam %d merged into %d (%v), want %d", from, into, err, q.ID)
		}
	}
	if _, err := st.ExamMergedInto(ctx, q.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Q itself: %v", err)
	}
	merged, err := st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditExamMerged})
	must(t, err)
	if len(merged) != 3 || merged[0].CourseID != course.ID || merged[0].Subject != fmt.Sprintf("exam:%d", q.ID) ||
		!strings.Contains(merged[0].Detail, "merged into") {
		t.Fatalf("merge entries %+v", merged)
	}
	if kept, _ := st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditExamSettings}); len(kept) != 1 || kept[0].Subject != fmt.Sprintf("exam:%d", pr.ID) {
		t.Fatalf("the audit entry of P's settings: %+v", kept)
	}
	// Q is decided again once.
	if ids, err := st.TakeMergedExams(ctx); err != nil || !slices.Equal(ids, []int64{q.ID}) {
		t.Fatalf("TakeMergedExams = %v (%v), want [%d]", ids, err, q.ID)
	}
	if ids, err := st.TakeMergedExams(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("TakeMergedExams again = %v (%v)", ids, err)
	}
	if have, want, _ := st.SchemaVersion(ctx); have != want {
		t.Fatalf("schema at %d of %d", have, want)
	}
}
