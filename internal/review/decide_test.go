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

// useExam gives the world's course a new exam under policy, which the
// sessions made next belong to.
func (w *world) useExam(t *testing.T, policy proctor.Policy) {
	t.Helper()
	settings := proctor.DefaultSettings()
	settings.Policy = policy
	w.exam = proctor.Exam{CourseID: w.exam.CourseID, Title: "Exam under another policy", Settings: settings, CreatedAt: t0}
	must(t, w.st.CreateExam(context.Background(), &w.exam))
}

// TestVerdictThreshold: after a decision the reviewed verdict is the
// exam's policy over the violations: Fail at once for some types unless
// excused, else Fail when the weighted flagged time reaches FailShare of
// the session (a session shorter than a minute counts as one).
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
	w := newWorld(t, policy)
	for _, c := range []struct {
		name     string
		length   time.Duration
		vs       []proctor.Violation
		decision proctor.Decision // on the first violation
		want     proctor.Verdict
	}{
		{"just under the share", tenMinutes, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 89)}, proctor.DecisionConfirmed, proctor.VerdictPass},
		{"at the share", tenMinutes, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 90)}, proctor.DecisionConfirmed, proctor.VerdictFail},
		{"at the share, excused", tenMinutes, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 90)}, proctor.DecisionExcused, proctor.VerdictPass},
		{"at the share, decision undone", tenMinutes, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 90)}, proctor.DecisionPending, proctor.VerdictFail},
		{"overlaps of one type count once", tenMinutes,
			[]proctor.Violation{applied(proctor.FacialSuspicion, 0, 60), applied(proctor.FacialSuspicion, 30, 89)}, proctor.DecisionConfirmed, proctor.VerdictPass},
		{"types add up", tenMinutes,
			[]proctor.Violation{applied(proctor.FacialSuspicion, 0, 60), applied(proctor.LeftSession, 0, 30)}, proctor.DecisionConfirmed, proctor.VerdictFail},
		{"an excused one no longer adds up", tenMinutes,
			[]proctor.Violation{applied(proctor.FacialSuspicion, 0, 60), applied(proctor.LeftSession, 0, 30)}, proctor.DecisionExcused, proctor.VerdictPass},
		{"a weight of one half, under", tenMinutes, []proctor.Violation{applied(proctor.BackgroundAudio, 0, 179)}, proctor.DecisionConfirmed, proctor.VerdictPass},
		{"a weight of one half, at", tenMinutes, []proctor.Violation{applied(proctor.BackgroundAudio, 0, 180)}, proctor.DecisionConfirmed, proctor.VerdictFail},
		{"momentary violations, under", tenMinutes, keys(8), proctor.DecisionConfirmed, proctor.VerdictPass},
		{"momentary violations, at", tenMinutes, keys(9), proctor.DecisionConfirmed, proctor.VerdictFail},
		{"fail at once, however short", tenMinutes, []proctor.Violation{applied(proctor.MultiplePeople, 10, 11)}, proctor.DecisionConfirmed, proctor.VerdictFail},
		{"fail at once, excused", tenMinutes, []proctor.Violation{applied(proctor.MultiplePeople, 10, 11)}, proctor.DecisionExcused, proctor.VerdictPass},
		{"fail at once, another one still pending", tenMinutes,
			[]proctor.Violation{applied(proctor.MultiplePeople, 10, 11), applied(proctor.MultiplePeople, 20, 21)}, proctor.DecisionExcused, proctor.VerdictFail},
		{"fail at once needs a type the policy names", tenMinutes, []proctor.Violation{applied(proctor.OnlineAid, 10, 11)}, proctor.DecisionConfirmed, proctor.VerdictPass},
		{"not applied", tenMinutes, []proctor.Violation{notApplied}, proctor.DecisionConfirmed, proctor.VerdictPass},
		{"too dark never counts", tenMinutes, []proctor.Violation{tooDark}, proctor.DecisionConfirmed, proctor.VerdictPass},
		// A short session counts as a minute (with PointSeconds 1, so that
		// the span is its own length).
		{"a short session, under", 20 * time.Second, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 8)}, proctor.DecisionConfirmed, proctor.VerdictPass},
		{"a short session, at", 20 * time.Second, []proctor.Violation{applied(proctor.FacialSuspicion, 0, 9)}, proctor.DecisionConfirmed, proctor.VerdictFail},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := policy
			if c.length < time.Minute {
				p.PointSeconds = 1
			}
			w.useExam(t, p)
			s := w.decided(t, c.length, proctor.VerdictPass, c.vs...)
			first := w.violations(t, s.ID)[0]
			if _, err := w.svc.Decide(context.Background(), w.teacher, first.ID, c.decision, ""); err != nil {
				t.Fatal(err)
			}
			if got := w.reviewedVerdict(t, s.ID); got != c.want {
				t.Errorf("reviewed verdict %q, want %q", got, c.want)
			}
		})
	}
}

// TestDecisionRules: who may decide a violation (the course's instructors
// and Vigil's administrators; a reviewer only reads; anyone else is told
// it is not found), what a decision is (confirmed, excused, or pending to
// undo one, with a note of at most 4000 characters), and what it leaves:
// the decision and its note stored, one audit entry, and the reviewed
// verdict with its explanation; deciding again gives the new verdict and
// explanation; before the analysis no reviewed verdict is made up.
func TestDecisionRules(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	ctx := context.Background()
	admin := w.admin(t)
	reviewer := w.member(t, "tam@example.edu", proctor.CourseReviewer)
	const (
		excused   = proctor.DecisionExcused
		confirmed = proctor.DecisionConfirmed
		pending   = proctor.DecisionPending
	)
	// Multiple People fails a session at once under the default policy;
	// the Facial Suspicion is 10 s of 30 minutes.
	const (
		rulesFail    = "Fail — 2 applied violations (Facial Suspicion 1× 10 s, Multiple People 1× 10 s); Multiple People fails a session at once under this exam's policy"
		excusedByAda = "Pass — 1 applied violation (Facial Suspicion 1× 10 s) weighs 10 s of 30:00 recorded = 0.6 %, below the fail threshold of 15 %; 1 excused by Ada, not counted."
	)
	for _, c := range []struct {
		name        string
		auto        proctor.Verdict    // the rules' verdict (none: not analysed yet)
		before      []proctor.Decision // the teacher's decisions before, on the Multiple People
		who         Actor
		decision    proctor.Decision
		note        string
		unknown     bool // the violation does not exist
		wantCode    proctor.Code
		wantStored  proctor.Decision
		wantVerdict proctor.Verdict // reviewed
		wantReason  string          // the reviewed explanation ("": none)
	}{
		{"the instructor excuses", proctor.VerdictFail, nil, w.teacher, excused, "a sibling walked past", false, "", excused, proctor.VerdictPass, excusedByAda},
		{"the instructor confirms", proctor.VerdictFail, nil, w.teacher, confirmed, "", false, "", confirmed, proctor.VerdictFail,
			rulesFail + "; 1 confirmed by Ada."},
		{"confirming an excused one fails again", proctor.VerdictFail, []proctor.Decision{excused}, w.teacher, confirmed, "", false, "",
			confirmed, proctor.VerdictFail, rulesFail + "; 1 confirmed by Ada."},
		{"excusing a confirmed one passes", proctor.VerdictFail, []proctor.Decision{confirmed}, w.teacher, excused, "", false, "",
			excused, proctor.VerdictPass, excusedByAda},
		{"excusing again changes nothing", proctor.VerdictFail, []proctor.Decision{excused}, w.teacher, excused, "", false, "",
			excused, proctor.VerdictPass, excusedByAda},
		{"undoing an excuse gives back the rules' verdict", proctor.VerdictFail, []proctor.Decision{excused}, w.teacher, pending, "", false, "",
			pending, proctor.VerdictFail, ""},
		{"an administrator of no course decides", proctor.VerdictFail, nil, admin, excused, "", false, "", excused, proctor.VerdictPass,
			strings.Replace(excusedByAda, "Ada", "Root", 1)},
		{"a note of 4000 characters", proctor.VerdictFail, nil, w.teacher, excused, strings.Repeat("n", maxNote), false, "",
			excused, proctor.VerdictPass, excusedByAda},
		{"before the analysis: kept, no verdict made up", proctor.VerdictNone, nil, w.teacher, excused, "", false, "", excused, proctor.VerdictNone, ""},
		{"a read-only reviewer", proctor.VerdictFail, nil, reviewer, excused, "", false, proctor.CodeForbidden, pending, proctor.VerdictFail, ""},
		{"an instructor of another course", proctor.VerdictFail, nil, w.outsider, excused, "", false, proctor.CodeNotFound, pending, proctor.VerdictFail, ""},
		{"nobody signed in", proctor.VerdictFail, nil, Actor{}, excused, "", false, proctor.CodeNotFound, pending, proctor.VerdictFail, ""},
		{"a decision that is none of the three", proctor.VerdictFail, []proctor.Decision{excused}, w.teacher, "maybe", "", false, proctor.CodeInvalid,
			excused, proctor.VerdictPass, excusedByAda},
		{"a note of 4001 characters", proctor.VerdictFail, nil, w.teacher, excused, strings.Repeat("n", maxNote+1), false, proctor.CodeInvalid,
			pending, proctor.VerdictFail, ""},
		{"a violation that does not exist", proctor.VerdictFail, nil, w.teacher, excused, "", true, proctor.CodeNotFound, pending, proctor.VerdictFail, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := w.decided(t, 30*time.Minute, c.auto, applied(proctor.MultiplePeople, 60, 70), applied(proctor.FacialSuspicion, 100, 110))
			people := w.violations(t, s.ID)[0]
			for _, d := range c.before {
				_, err := w.svc.Decide(ctx, w.teacher, people.ID, d, "")
				must(t, err)
			}
			id := people.ID
			if c.unknown {
				id = 99999
			}
			_, err := w.svc.Decide(ctx, c.who, id, c.decision, c.note)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			v, err := w.st.GetViolation(ctx, people.ID)
			must(t, err)
			if v.Decision != c.wantStored || w.reviewedVerdict(t, s.ID) != c.wantVerdict {
				t.Errorf("stored %q, reviewed verdict %q; want %q, %q", v.Decision, w.reviewedVerdict(t, s.ID), c.wantStored, c.wantVerdict)
			}
			if c.wantCode == "" && (v.DecisionNote != c.note || v.DecidedBy != c.who.User.ID) {
				t.Errorf("note %.20q by %d stored, want %.20q by %d", v.DecisionNote, v.DecidedBy, c.note, c.who.User.ID)
			}
			page, err := w.svc.Session(ctx, w.teacher, s.ID)
			must(t, err)
			reason := ""
			if page.ReviewedReason != nil {
				reason = page.ReviewedReason.Text
			}
			if reason != c.wantReason {
				t.Errorf("the reviewed verdict explained as\n%q, want\n%q", reason, c.wantReason)
			}
			audited := len(c.before)
			if c.wantCode == "" {
				audited++
			}
			entries, err := w.st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditViolationDecide, Subject: fmt.Sprintf("violation:%d", people.ID)})
			must(t, err)
			if len(entries) != audited {
				t.Errorf("%d decisions audited, want %d", len(entries), audited)
			}
		})
	}
}

// admin is a Vigil administrator, a member of no course.
func (w *world) admin(t *testing.T) Actor {
	t.Helper()
	u := &proctor.User{Email: "root@example.edu", Name: "Root", Role: proctor.RoleAdmin}
	must(t, w.st.CreateUser(context.Background(), u, ""))
	return Actor{User: u}
}

// member adds a user to the world's course in role.
func (w *world) member(t *testing.T, email string, role proctor.CourseRole) Actor {
	t.Helper()
	u := &proctor.User{Email: email, Name: strings.Split(email, "@")[0], Role: proctor.RoleInstructor}
	must(t, w.st.CreateUser(context.Background(), u, ""))
	must(t, w.st.SetCourseMember(context.Background(), w.exam.CourseID, u.ID, role))
	return Actor{User: u}
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

// TestNoteRules: a note on a session has 1 to 4000 characters, is kept
// with its author and audited.
func TestNoteRules(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		body     string
		wantCode proctor.Code
	}{
		{"a note", "spoke to the student", ""},
		{"4000 characters", strings.Repeat("n", maxNote), ""},
		{"4001 characters", strings.Repeat("n", maxNote+1), proctor.CodeInvalid},
		{"an empty note", "", proctor.CodeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := w.decided(t, 30*time.Minute, proctor.VerdictPass)
			err := w.svc.AddNote(ctx, w.teacher, s.ID, c.body)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			notes, err := w.st.ListNotes(ctx, s.ID)
			must(t, err)
			entries, err := w.st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditSessionNote, Subject: fmt.Sprintf("session:%d", s.ID)})
			must(t, err)
			want := 0
			if c.wantCode == "" {
				want = 1
			}
			if len(notes) != want || len(entries) != want || (want == 1 && (notes[0].Body != c.body || notes[0].AuthorID != w.teacher.User.ID)) {
				t.Errorf("%d notes (%+.40v), %d audited; want %d by Ada", len(notes), notes, len(entries), want)
			}
		})
	}
}
