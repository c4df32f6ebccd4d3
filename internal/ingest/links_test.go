package ingest

import (
	"context"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// TestLinksNeverStartASecondAttemptByThemselves: a link opens the session
// it started, also once that session is finished (to show its receipt);
// an LMS exam link opens the latest attempt; only a fresh link that may
// start one (an instructor's, LTI Proctoring's) starts attempt 2. A
// finished session's token can read but not upload.
func TestLinksNeverStartASecondAttemptByThemselves(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	now := t0.Add(time.Minute)
	w.svc.now = func() time.Time { return now }
	issue := func(req LinkRequest) string {
		t.Helper()
		req.ExamID, req.StudentID, req.TTL = w.sess.ExamID, w.sess.StudentID, 30*24*time.Hour
		tok, err := IssueLinkAt(ctx, w.st, req, now)
		must(t, err)
		return tok
	}
	start := func(link string) *Started {
		t.Helper()
		st, err := w.svc.Start(ctx, link, now)
		must(t, err)
		return st
	}
	first := issue(LinkRequest{})
	a := start(first) // the world's session is open: resumed
	if a.Session.ID != w.sess.ID || !a.Resumed {
		t.Fatalf("first start: session %d resumed %v, want %d", a.Session.ID, a.Resumed, w.sess.ID)
	}
	if _, err := w.svc.Finish(ctx, a.Session, FinishInput{}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	again := start(first)
	if again.Session.ID != w.sess.ID || again.Status.State != proctor.StateSubmitted {
		t.Fatalf("the finished exam's link opened session %d (%s), want %d finished", again.Session.ID, again.Status.State, w.sess.ID)
	}
	sess, _, err := w.svc.Authenticate(ctx, again.Session.ID, again.Token, proctor.SourceBrowser)
	must(t, err)
	if _, err := w.svc.PutFrame(ctx, sess, 0, now, jpeg(t, "obama_480p.jpg")); codeOf(err) != proctor.CodeSessionClosed {
		t.Fatalf("an upload to the finished session: %v, want session_closed", err)
	}
	if lms := start(issue(LinkRequest{LatestOnly: true})); lms.Session.ID != w.sess.ID {
		t.Fatalf("an LMS exam link opened session %d, want the latest, %d", lms.Session.ID, w.sess.ID)
	}
	fresh := issue(LinkRequest{})
	b := start(fresh)
	if b.Session.ID == w.sess.ID || b.Session.Attempt != 2 || b.Resumed {
		t.Fatalf("a fresh instructor's link: session %d attempt %d, want a new attempt 2", b.Session.ID, b.Session.Attempt)
	}
	if c := start(fresh); c.Session.ID != b.Session.ID {
		t.Fatalf("the same link again: session %d, want %d", c.Session.ID, b.Session.ID)
	}
	// A link mailed for a session opens that session, not the latest.
	mailed := issue(LinkRequest{SessionID: w.sess.ID})
	if m := start(mailed); m.Session.ID != w.sess.ID {
		t.Fatalf("a link for session %d opened %d", w.sess.ID, m.Session.ID)
	}
	// The days after: a finished session's token works for a working day.
	now = now.Add(30 * 24 * time.Hour)
	late := start(mailed)
	if _, _, err := w.svc.Authenticate(ctx, late.Session.ID, late.Token, proctor.SourceBrowser); err != nil {
		t.Fatalf("a fresh token of an old finished session: %v", err)
	}
	now = now.Add(viewTokenLife)
	if _, _, err := w.svc.Authenticate(ctx, late.Session.ID, late.Token, proctor.SourceBrowser); codeOf(err) != proctor.CodeUnauthenticated {
		t.Fatalf("the token after its day: %v, want unauthenticated", err)
	}
	me, err := w.st.GetStudent(ctx, w.sess.StudentID)
	must(t, err)
	other := proctor.Student{CourseID: me.CourseID, FirstName: "Other", LastName: "Student"}
	must(t, w.st.CreateStudent(ctx, &other))
	if _, err := IssueLinkAt(ctx, w.st, LinkRequest{ExamID: w.sess.ExamID, StudentID: other.ID, TTL: time.Hour, SessionID: w.sess.ID}, now); codeOf(err) != proctor.CodeInvalid {
		t.Fatalf("a link to another student's session: %v, want invalid", err)
	}
}

// TestStartRules: a session link starts (or resumes) a session only while
// it is valid, from a client whose clock is within the resume window
// behind or five minutes ahead of the server's (a zero start time means
// the server's now), for a course Vigil is enabled for.
func TestStartRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	now := w.svc.now()
	for _, c := range []struct {
		name        string
		ttl         time.Duration // the link's lifetime, from when it was issued
		issued      time.Duration // when it was issued, from now
		token       string        // sent instead of the link's own
		clientStart time.Time
		disabled    bool // the course is not enabled
		wantCode    proctor.Code
	}{
		{"a fresh link", time.Hour, 0, "", now, false, ""},
		{"no start time: the server's now", time.Hour, 0, "", time.Time{}, false, ""},
		{"the last moment of the link's life", time.Hour, -time.Hour, "", now, false, ""},
		{"a link past its life", time.Hour, -time.Hour - time.Millisecond, "", now, false, proctor.CodeUnauthenticated},
		{"a link nobody issued", time.Hour, 0, "not-a-link", now, false, proctor.CodeUnauthenticated},
		{"a client clock the resume window behind", time.Hour, 0, "", now.Add(-proctor.ResumeWindow), false, ""},
		{"a client clock further behind", time.Hour, 0, "", now.Add(-proctor.ResumeWindow - time.Millisecond), false, proctor.CodeBadTimestamp},
		{"a client clock five minutes ahead", time.Hour, 0, "", now.Add(5 * time.Minute), false, ""},
		{"a client clock further ahead", time.Hour, 0, "", now.Add(5*time.Minute + time.Millisecond), false, proctor.CodeBadTimestamp},
		{"a course Vigil is not enabled for", time.Hour, 0, "", now, true, proctor.CodeForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			link, err := IssueLinkAt(ctx, w.st, LinkRequest{ExamID: w.sess.ExamID, StudentID: w.sess.StudentID, TTL: c.ttl}, now.Add(c.issued))
			must(t, err)
			if c.token != "" {
				link = c.token
			}
			if c.disabled {
				setEnabled(t, w, false)
				t.Cleanup(func() { setEnabled(t, w, true) })
			}
			st, err := w.svc.Start(ctx, link, c.clientStart)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			if err != nil {
				return
			}
			if st.Session.ExamID != w.sess.ExamID || st.Token == "" {
				t.Fatalf("started %+v", st)
			}
			if _, _, err := w.svc.Authenticate(ctx, st.Session.ID, st.Token, proctor.SourceBrowser); err != nil {
				t.Errorf("the session's new token: %v", err)
			}
		})
	}
}

// setEnabled turns Vigil on or off for the world's course.
func setEnabled(t *testing.T, w *world, on bool) {
	t.Helper()
	ctx := context.Background()
	exam, err := w.st.GetExam(ctx, w.sess.ExamID)
	must(t, err)
	course, err := w.st.GetCourse(ctx, exam.CourseID)
	must(t, err)
	course.Enabled = on
	must(t, w.st.UpdateCourse(ctx, course))
}

// TestIssueLinkRules: a session link is for a student of the exam's
// course, for a positive lifetime, and (when it names a session) for that
// student's attempt at that exam; each link issued is audited.
func TestIssueLinkRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	me, err := w.st.GetStudent(ctx, w.sess.StudentID)
	must(t, err)
	classmate := proctor.Student{CourseID: me.CourseID, FirstName: "Ann", LastName: "Lee"}
	must(t, w.st.CreateStudent(ctx, &classmate))
	other := proctor.Course{Code: "CHEM-1", Title: "Chemistry", Enabled: true, CreatedAt: t0}
	must(t, w.st.CreateCourse(ctx, &other))
	stranger := proctor.Student{CourseID: other.ID, FirstName: "Sam", LastName: "Roe"}
	must(t, w.st.CreateStudent(ctx, &stranger))
	otherExam := proctor.Exam{CourseID: me.CourseID, Title: "Final", Settings: proctor.DefaultSettings(), CreatedAt: t0}
	must(t, w.st.CreateExam(ctx, &otherExam))
	for _, c := range []struct {
		name     string
		req      LinkRequest
		wantCode proctor.Code
	}{
		{"a student of the course", LinkRequest{StudentID: me.ID, TTL: time.Hour}, ""},
		{"their own session", LinkRequest{StudentID: me.ID, TTL: time.Hour, SessionID: w.sess.ID}, ""},
		{"a student of another course", LinkRequest{StudentID: stranger.ID, TTL: time.Hour}, proctor.CodeInvalid},
		{"a classmate's session", LinkRequest{StudentID: classmate.ID, TTL: time.Hour, SessionID: w.sess.ID}, proctor.CodeInvalid},
		{"their session of another exam", LinkRequest{ExamID: otherExam.ID, StudentID: me.ID, TTL: time.Hour, SessionID: w.sess.ID}, proctor.CodeInvalid},
		{"a session that does not exist", LinkRequest{StudentID: me.ID, TTL: time.Hour, SessionID: 9999}, proctor.CodeInvalid},
		{"no lifetime", LinkRequest{StudentID: me.ID}, proctor.CodeInvalid},
		{"a negative lifetime", LinkRequest{StudentID: me.ID, TTL: -time.Hour}, proctor.CodeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.req.ExamID == 0 {
				c.req.ExamID = w.sess.ExamID
			}
			before := w.audited(t, store.AuditFilter{Action: proctor.AuditSessionLink})
			l, err := w.svc.IssueLink(ctx, c.req)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			want := before
			if err == nil {
				want++
				if l.Student.ID != c.req.StudentID || !l.ExpiresAt.Equal(w.svc.now().Add(c.req.TTL)) {
					t.Errorf("issued %+v", l)
				}
			}
			if n := w.audited(t, store.AuditFilter{Action: proctor.AuditSessionLink}); n != want {
				t.Errorf("%d links audited, want %d", n, want)
			}
		})
	}
}
