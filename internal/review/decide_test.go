package review

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// world is a real SQLite store with a course, its instructor, a user of
// another course, an exam and a student, and the review Service over it.
type world struct {
	path     string // the database file
	st       *sqlstore.Store
	svc      *Service
	teacher  Actor
	outsider Actor
	exam     proctor.Exam
	student  proctor.Student
}

func newWorld(t *testing.T, policy proctor.Policy) *world {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	st, err := sqlstore.OpenSQLite(ctx, path)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(ctx)
	must(t, err)
	w := &world{path: path, st: st, svc: New(st, func() time.Time { return t0.Add(time.Hour) })}
	course := proctor.Course{Code: "BIO-101", Title: "Biology", Enabled: true, CreatedAt: t0}
	must(t, st.CreateCourse(ctx, &course))
	teacher := &proctor.User{Email: "ada@example.edu", Name: "Ada", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx, teacher, ""))
	must(t, st.AddCourseMember(ctx, course.ID, teacher.ID))
	outsider := &proctor.User{Email: "bob@example.edu", Name: "Bob", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx, outsider, ""))
	w.teacher, w.outsider = Actor{User: teacher, Remote: "192.0.2.1"}, Actor{User: outsider}
	settings := proctor.DefaultSettings()
	settings.Policy = policy
	w.exam = proctor.Exam{CourseID: course.ID, Title: "Midterm", Settings: settings, CreatedAt: t0}
	must(t, st.CreateExam(ctx, &w.exam))
	w.student = proctor.Student{CourseID: course.ID, FirstName: "Zoë", LastName: "O'Brien", Email: "zoe@example.edu"}
	must(t, st.CreateStudent(ctx, &w.student))
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// decided stores a session of the given length whose rules found vs, with
// the automated verdict auto (VerdictNone: not analysed yet).
func (w *world) decided(t *testing.T, length time.Duration, auto proctor.Verdict, vs ...proctor.Violation) *proctor.Session {
	t.Helper()
	ctx := context.Background()
	s := &proctor.Session{ExamID: w.exam.ID, StudentID: w.student.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, w.st.CreateSession(ctx, s))
	must(t, w.st.TouchRecording(ctx, s.ID, t0, t0.Add(length))) // recorded from the start
	must(t, w.st.ReplaceViolations(ctx, s.ID, vs))
	if auto != proctor.VerdictNone {
		must(t, w.st.SetVerdict(ctx, s.ID, auto, auto, t0.Add(length)))
	}
	return s
}

func (w *world) violations(t *testing.T, sessionID int64) []proctor.Violation {
	t.Helper()
	vs, err := w.st.ListViolations(context.Background(), sessionID)
	must(t, err)
	return vs
}

func (w *world) reviewedVerdict(t *testing.T, sessionID int64) proctor.Verdict {
	t.Helper()
	s, err := w.st.GetSession(context.Background(), sessionID)
	must(t, err)
	return s.ReviewedVerdict
}

// applied is a violation the rules counted, from second from to second to.
func applied(typ proctor.ViolationType, from, to int) proctor.Violation {
	return proctor.Violation{Type: typ, Start: t0.Add(time.Duration(from) * time.Second), End: t0.Add(time.Duration(to) * time.Second),
		Applied: true, Confidence: 0.9, Rule: string(typ)}
}

func codeOf(err error) proctor.Code {
	var pe *proctor.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return pe.Code
	}
	return "?"
}

// TestVerdictThreshold: after a decision the reviewed verdict is the
// exam's policy over the violations: Fail at once for some types, else Fail
// when the weighted flagged time reaches FailShare of the session.
func TestVerdictThreshold(t *testing.T) {
	policy := proctor.Policy{FailAtOnce: []proctor.ViolationType{proctor.MultiplePeople}, FailShare: 0.15, PointSeconds: 10,
		Weights: map[proctor.ViolationType]float64{proctor.BackgroundAudio: 0.5}}
	tenMinutes := 10 * time.Minute // FailShare 0.15: 90 weighted seconds fail
	keys := func(n int) []proctor.Violation {
		var vs []proctor.Violation
		for i := range n {
			vs = append(vs, applied(proctor.Keystrokes, 30*i, 30*i)) // momentary: PointSeconds each
		}
		return vs
	}
	notApplied := applied(proctor.LeftSession, 0, 300)
	notApplied.Applied = false
	tooDark := applied(proctor.LeftSession, 0, 300)
	tooDark.Cause = proctor.CauseTooDark
	for _, c := range []struct {
		name   string
		length time.Duration
		vs     []proctor.Violation
		want   proctor.Verdict
	}{
		{"just under the share", tenMinutes, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 89)}, proctor.VerdictPass},
		{"at the share", tenMinutes, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 90)}, proctor.VerdictFail},
		{"overlaps of one type count once", tenMinutes,
			[]proctor.Violation{applied(proctor.FacialSuspicion, 0, 60), applied(proctor.FacialSuspicion, 30, 89)}, proctor.VerdictPass},
		{"types add up", tenMinutes,
			[]proctor.Violation{applied(proctor.FacialSuspicion, 0, 60), applied(proctor.LeftSession, 0, 30)}, proctor.VerdictFail},
		{"a weight of one half, under", tenMinutes, []proctor.Violation{applied(proctor.BackgroundAudio, 0, 179)}, proctor.VerdictPass},
		{"a weight of one half, at", tenMinutes, []proctor.Violation{applied(proctor.BackgroundAudio, 0, 180)}, proctor.VerdictFail},
		{"momentary violations, under", tenMinutes, keys(8), proctor.VerdictPass},
		{"momentary violations, at", tenMinutes, keys(9), proctor.VerdictFail},
		{"fail at once", tenMinutes, []proctor.Violation{applied(proctor.MultiplePeople, 10, 11)}, proctor.VerdictFail},
		{"not applied", tenMinutes, []proctor.Violation{notApplied}, proctor.VerdictPass},
		{"too dark never counts", tenMinutes, []proctor.Violation{tooDark}, proctor.VerdictPass},
		// A short session counts as a minute (with PointSeconds 1, so that
		// the span is its own length).
		{"a short session, under", 20 * time.Second, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 8)}, proctor.VerdictPass},
		{"a short session, at", 20 * time.Second, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 9)}, proctor.VerdictFail},
	} {
		p := policy
		if c.length < time.Minute {
			p.PointSeconds = 1
		}
		w := newWorld(t, p)
		s := w.decided(t, c.length, proctor.VerdictPass, c.vs...)
		first := w.violations(t, s.ID)[0]
		if _, err := w.svc.Decide(context.Background(), w.teacher, first.ID, proctor.DecisionConfirmed, ""); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := w.reviewedVerdict(t, s.ID); got != c.want {
			t.Errorf("%s: reviewed verdict %q, want %q", c.name, got, c.want)
		}
	}
}

// TestExcuseAndConfirm walks one reviewer's decisions on a session that
// fails for two people in the frame.
func TestExcuseAndConfirm(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	s := w.decided(t, 30*time.Minute, proctor.VerdictFail, applied(proctor.MultiplePeople, 60, 70), applied(proctor.FacialSuspicion, 100, 110))
	people := w.violations(t, s.ID)[0]
	ctx := context.Background()
	for _, step := range []struct {
		who          Actor
		decision     proctor.Decision
		note         string
		wantCode     proctor.Code
		wantDecision proctor.Decision // stored afterwards
		wantVerdict  proctor.Verdict
	}{
		{w.teacher, proctor.DecisionExcused, "a sibling walked past", "", proctor.DecisionExcused, proctor.VerdictPass},
		{w.teacher, proctor.DecisionConfirmed, "", "", proctor.DecisionConfirmed, proctor.VerdictFail},
		{w.teacher, proctor.DecisionPending, "", "", proctor.DecisionPending, proctor.VerdictFail},
		{w.teacher, proctor.DecisionExcused, "", "", proctor.DecisionExcused, proctor.VerdictPass},
		{w.teacher, "maybe", "", proctor.CodeInvalid, proctor.DecisionExcused, proctor.VerdictPass},
		{w.teacher, proctor.DecisionConfirmed, strings.Repeat("x", maxNote+1), proctor.CodeInvalid, proctor.DecisionExcused, proctor.VerdictPass},
		{w.outsider, proctor.DecisionConfirmed, "", proctor.CodeNotFound, proctor.DecisionExcused, proctor.VerdictPass},
		{Actor{}, proctor.DecisionConfirmed, "", proctor.CodeNotFound, proctor.DecisionExcused, proctor.VerdictPass},
	} {
		_, err := w.svc.Decide(ctx, step.who, people.ID, step.decision, step.note)
		v, gerr := w.st.GetViolation(ctx, people.ID)
		must(t, gerr)
		verdict := w.reviewedVerdict(t, s.ID)
		if codeOf(err) != step.wantCode || v.Decision != step.wantDecision || verdict != step.wantVerdict {
			t.Errorf("%q by %v: err %v, stored %q, reviewed %q; want code %q, %q, %q",
				step.decision, step.who.User, err, v.Decision, verdict, step.wantCode, step.wantDecision, step.wantVerdict)
		}
		if err == nil && (v.DecisionNote != step.note || v.DecidedBy != step.who.User.ID) {
			t.Errorf("%q: note %q by %d stored", step.decision, v.DecisionNote, v.DecidedBy)
		}
	}
	entries, err := w.st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditViolationDecide, Limit: 100})
	must(t, err)
	if len(entries) != 4 || entries[0].Subject != fmt.Sprintf("violation:%d", people.ID) {
		t.Errorf("%d audit entries of decisions, want one per accepted decision (4): %+v", len(entries), entries)
	}
}

// TestDecisionBeforeAnalysis: a decision on a session not analysed yet is
// kept, and no reviewed verdict is made up before the automated one.
func TestDecisionBeforeAnalysis(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	s := w.decided(t, 30*time.Minute, proctor.VerdictNone, applied(proctor.MultiplePeople, 60, 70))
	v := w.violations(t, s.ID)[0]
	if _, err := w.svc.Decide(context.Background(), w.teacher, v.ID, proctor.DecisionExcused, ""); err != nil {
		t.Fatal(err)
	}
	if got := w.reviewedVerdict(t, s.ID); got != proctor.VerdictNone {
		t.Errorf("reviewed verdict %q before analysis, want none", got)
	}
}

// TestRedecideKeepsDecisions: when the rules run again (after a settings
// change), a violation found again at the same moment keeps the reviewer's
// decision; one found anew waits for a decision.
func TestRedecideKeepsDecisions(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	ctx := context.Background()
	people, face := applied(proctor.MultiplePeople, 60, 70), applied(proctor.FacialSuspicion, 100, 110)
	s := w.decided(t, 30*time.Minute, proctor.VerdictFail, people, face)
	stored := w.violations(t, s.ID)
	_, err := w.svc.Decide(ctx, w.teacher, stored[0].ID, proctor.DecisionExcused, "a sibling walked past")
	must(t, err)
	_, err = w.svc.Decide(ctx, w.teacher, stored[1].ID, proctor.DecisionConfirmed, "")
	must(t, err)

	settings := w.exam.Settings
	settings.FacialSuspicion.MinSeconds++
	must(t, w.svc.UpdateSettings(ctx, w.teacher, w.exam.ID, settings))
	// The re-decision's output: the same two (a longer face span, same
	// start) and a new one, without decisions — as jobs.Decide hands it to
	// the store.
	longer := face
	longer.End = longer.End.Add(5 * time.Second)
	must(t, w.st.InTx(ctx, func(tx store.Tx) error {
		return tx.ReplaceViolations(ctx, s.ID, []proctor.Violation{people, longer, applied(proctor.LeftSession, 200, 260)})
	}))

	page, err := w.svc.Session(ctx, w.teacher, s.ID)
	must(t, err)
	want := map[proctor.ViolationType]proctor.Decision{proctor.MultiplePeople: proctor.DecisionExcused,
		proctor.FacialSuspicion: proctor.DecisionConfirmed, proctor.LeftSession: proctor.DecisionPending}
	if len(page.Violations) != len(want) {
		t.Fatalf("%d violations after the re-decision, want %d", len(page.Violations), len(want))
	}
	for _, v := range page.Violations {
		if v.Decision != want[v.Type] {
			t.Errorf("%s after the re-decision: %q, want %q", v.Type, v.Decision, want[v.Type])
		}
		if v.Type == proctor.MultiplePeople && v.DecisionNote != "a sibling walked past" {
			t.Errorf("the excuse's note was lost: %q", v.DecisionNote)
		}
	}
	if page.Excused != 1 {
		t.Errorf("page counts %d excused, want 1", page.Excused)
	}
}
