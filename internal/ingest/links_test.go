package ingest

import (
	"context"
	"testing"
	"time"

	"vigil/internal/proctor"
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
