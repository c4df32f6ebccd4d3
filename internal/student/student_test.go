package student

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/blob/fileblob"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/store/sqlstore"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// world is a real SQLite store with a course, its instructor, an analysed
// session with two applied violations (and one not applied), and the
// Service over them on a clock the test moves.
type world struct {
	st      *sqlstore.Store
	svc     *Service
	now     time.Time
	teacher review.Actor
	sess    *proctor.Session
	course  proctor.Course
	vs      []proctor.Violation
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "vigil.db"))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(ctx)
	must(t, err)
	blobs, err := fileblob.Open(filepath.Join(dir, "media"))
	must(t, err)
	w := &world{st: st, now: t0}
	w.course = proctor.Course{Code: "BIO-101", Title: "Biology", Enabled: true, CreatedAt: t0}
	must(t, st.CreateCourse(ctx, &w.course))
	u := &proctor.User{Email: "ada@example.edu", Name: "Ada", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx, u, ""))
	must(t, st.AddCourseMember(ctx, w.course.ID, u.ID))
	w.teacher = review.Actor{User: u}
	exam := proctor.Exam{CourseID: w.course.ID, Title: "Midterm", Settings: proctor.DefaultSettings(), CreatedAt: t0}
	must(t, st.CreateExam(ctx, &exam))
	s := proctor.Student{CourseID: w.course.ID, FirstName: "Grace", LastName: "Hopper", Email: "grace@example.edu"}
	must(t, st.CreateStudent(ctx, &s))
	w.sess = &proctor.Session{ExamID: exam.ID, StudentID: s.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, st.CreateSession(ctx, w.sess))
	must(t, st.ReplaceViolations(ctx, w.sess.ID, []proctor.Violation{
		{SessionID: w.sess.ID, Type: proctor.MultiplePeople, Start: t0.Add(time.Minute), End: t0.Add(time.Minute + 5*time.Second), Applied: true},
		{SessionID: w.sess.ID, Type: proctor.BackgroundAudio, Start: t0.Add(2 * time.Minute), End: t0.Add(2*time.Minute + 3*time.Second), Applied: true},
		{SessionID: w.sess.ID, Type: proctor.FacialSuspicion, Start: t0.Add(3 * time.Minute), End: t0.Add(3*time.Minute + time.Second)}}))
	w.vs, err = st.ListViolations(ctx, w.sess.ID)
	must(t, err)
	now := func() time.Time { return w.now }
	w.svc = New(Deps{Store: st, Blobs: blobs, Review: review.New(st, now), Now: now, BaseURL: "https://vigil.example.edu"})
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func code(err error) proctor.Code {
	var pe *proctor.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func (w *world) analysed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	must(t, w.st.SetSessionState(ctx, w.sess.ID, proctor.StateCreated, proctor.StateSubmitted, w.now))
	must(t, w.st.SetSessionState(ctx, w.sess.ID, proctor.StateSubmitted, proctor.StateAnalyzed, w.now))
	fresh, err := w.st.GetSession(ctx, w.sess.ID)
	must(t, err)
	w.sess = fresh
}

// TestReleaseAndExplainRules: nothing is released while the course's
// student review is off or the session is not analysed; the date must be
// sensible; once released, the student explains their applied flags only,
// until the date; a second explanation of the same text changes nothing;
// one digest mail to the instructor carries what is new, and a second
// digest finds nothing to send.
func TestReleaseAndExplainRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if r, err := w.svc.Review(ctx, w.sess, ""); err != nil || r.Released || r.Status != "" || len(r.Flags) != 0 {
		t.Fatalf("before release: %+v (%v)", r, err)
	}
	if _, err := w.svc.Release(ctx, w.teacher, w.sess.ID, w.now.Add(48*time.Hour)); code(err) != proctor.CodeConflict {
		t.Fatalf("release with the course's student review off: %v, want conflict", err)
	}
	must(t, w.svc.SetCourse(ctx, w.teacher, w.course.ID, true))
	if _, err := w.svc.Release(ctx, w.teacher, w.sess.ID, w.now.Add(48*time.Hour)); code(err) != proctor.CodeConflict {
		t.Fatalf("release of a session not analysed: %v, want conflict", err)
	}
	w.analysed(t)
	for _, until := range []time.Time{w.now.Add(time.Minute), w.now.Add(400 * 24 * time.Hour)} {
		if _, err := w.svc.Release(ctx, w.teacher, w.sess.ID, until); code(err) != proctor.CodeInvalid {
			t.Fatalf("release until %s: %v, want invalid", until, err)
		}
	}
	if _, err := w.svc.Explain(ctx, w.sess, []Answer{{Key: w.vs[0].Key(), Text: "too early"}}, ""); code(err) != proctor.CodeNotFound {
		t.Fatalf("an explanation before release: %v, want not found", err)
	}
	if _, err := w.svc.Release(ctx, w.teacher, w.sess.ID, w.now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	mails, err := w.st.ListMail(ctx, 10)
	must(t, err)
	if len(mails) != 1 || mails[0].To != "grace@example.edu" || mails[0].State != proctor.MailKept || !strings.Contains(mails[0].Body, "/s/") {
		t.Fatalf("release mail: %+v", mails)
	}
	r, err := w.svc.Review(ctx, w.sess, "")
	must(t, err)
	if !r.Released || !r.Open || len(r.Flags) != 2 || r.Status == "" {
		t.Fatalf("after release: %+v", r)
	}
	notApplied := w.vs[2].Key()
	if _, err := w.svc.Explain(ctx, w.sess, []Answer{{Key: notApplied, Text: "x"}}, ""); code(err) != proctor.CodeInvalid {
		t.Fatalf("explaining a violation that is no flag: %v, want invalid", err)
	}
	if _, err := w.svc.Explain(ctx, w.sess, []Answer{{Key: w.vs[0].Key(), Text: strings.Repeat("é", proctor.MaxExplanation+1)}}, ""); code(err) != proctor.CodeInvalid {
		t.Fatalf("a too long explanation: %v, want invalid", err)
	}
	n, err := w.svc.Explain(ctx, w.sess, []Answer{{Key: w.vs[0].Key(), Text: " My brother walked in. "}, {Key: w.vs[1].Key(), Text: ""}}, "")
	if err != nil || n != 1 {
		t.Fatalf("explain: %d (%v), want 1 saved", n, err)
	}
	if n, err := w.svc.Explain(ctx, w.sess, []Answer{{Key: w.vs[0].Key(), Text: "My brother walked in."}}, ""); err != nil || n != 0 {
		t.Fatalf("the same explanation again: %d (%v), want nothing saved", n, err)
	}
	must(t, w.svc.SendDigest(ctx, w.sess.ID))
	must(t, w.svc.SendDigest(ctx, w.sess.ID))
	mails, err = w.st.ListMail(ctx, 10)
	must(t, err)
	if len(mails) != 2 || mails[0].To != "ada@example.edu" || !strings.Contains(mails[0].Body, "My brother walked in.") ||
		!strings.Contains(mails[0].Body, "Multiple People at 1:00") {
		t.Fatalf("after two digests: %d mails, newest %+v", len(mails), mails[0])
	}
	w.now = w.now.Add(49 * time.Hour)
	if _, err := w.svc.Explain(ctx, w.sess, []Answer{{Key: w.vs[1].Key(), Text: "late"}}, ""); code(err) != proctor.CodeConflict {
		t.Fatalf("an explanation after the date: %v, want conflict", err)
	}
	must(t, w.svc.SetCourse(ctx, w.teacher, w.course.ID, false))
	if r, err := w.svc.Review(ctx, w.sess, ""); err != nil || r.Released {
		t.Fatalf("with the course's student review switched off again: %+v (%v)", r, err)
	}
}

// TestReceiptHashesTheUploadSet: the fingerprint changes with any stored
// item, and counts and minutes follow what is stored.
func TestReceiptHashesTheUploadSet(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	empty, err := w.svc.Receipt(ctx, w.sess)
	must(t, err)
	for seq := range int64(3) {
		must(t, w.st.InsertFrame(ctx, &proctor.Frame{SessionID: w.sess.ID, Seq: seq, CapturedAt: t0.Add(time.Duration(seq) * time.Second),
			BlobKey: "k", SHA256: "f" + string(rune('0'+seq)), Size: 100, Width: 320, Height: 240, ReceivedAt: t0}))
	}
	must(t, w.st.InsertAudio(ctx, &proctor.AudioChunk{SessionID: w.sess.ID, Seq: 0, StartedAt: t0, DurationMS: 30000, Format: "audio/basic",
		BlobKey: "a", SHA256: "a0", Size: 240000, ReceivedAt: t0}))
	r, err := w.svc.Receipt(ctx, w.sess)
	must(t, err)
	if r.SHA256 == empty.SHA256 || r.Items != 4 || r.Bytes != 240300 || len(r.Kinds) != 2 ||
		r.Kinds[0].Count != 3 || r.Kinds[0].Minutes != 0.05 || r.Kinds[1].Minutes != 0.5 || r.Finished {
		t.Fatalf("receipt %+v", r)
	}
}
