package ingest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/blob/fileblob"
	"vigil/internal/proctor"
	"vigil/internal/store/sqlstore"
	"vigil/media"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// world is a real SQLite store and file bucket with one course, exam,
// student and session, and the ingest Service over them.
type world struct {
	st   *sqlstore.Store
	svc  *Service
	sess *proctor.Session
}

func newWorld(t *testing.T, limits Limits) *world {
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
	course := proctor.Course{Code: "BIO-101", Title: "Biology", Enabled: true, CreatedAt: t0}
	must(t, st.CreateCourse(ctx, &course))
	exam := proctor.Exam{CourseID: course.ID, Title: "Midterm", Settings: proctor.DefaultSettings(), CreatedAt: t0}
	must(t, st.CreateExam(ctx, &exam))
	student := proctor.Student{CourseID: course.ID, FirstName: "Zoë", LastName: "O'Brien", Email: "zoe@example.edu"}
	must(t, st.CreateStudent(ctx, &student))
	sess := &proctor.Session{ExamID: exam.ID, StudentID: student.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, st.CreateSession(ctx, sess))
	now := func() time.Time { return t0.Add(time.Minute) }
	return &world{st: st, sess: sess, svc: New(st, blobs, nil, limits, now, nil)}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// codeOf is the API error code of err ("" for nil, "?" for an error
// without one).
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

func jpeg(t *testing.T, name string) []byte {
	t.Helper()
	data, err := media.FS.ReadFile("webcam320/" + name)
	must(t, err)
	return data
}

func TestCheckSeq(t *testing.T) {
	for _, c := range []struct {
		name          string
		seq, next     int64
		stored, sha   string
		wantDup       bool
		wantCode      proctor.Code
		wantNextInErr bool
	}{
		{"the next one", 3, 3, "", "aa", false, "", false},
		{"a retry of a stored one", 1, 3, "aa", "aa", true, "", false},
		{"a stored number with other content", 1, 3, "aa", "bb", false, proctor.CodeSequenceConflict, true},
		{"skipping ahead", 5, 3, "", "aa", false, proctor.CodeSequenceGap, true},
		{"negative", -1, 0, "", "aa", false, proctor.CodeInvalid, false},
		{"a number below next with nothing stored under it", 1, 3, "", "aa", false, "", false},
	} {
		dup, err := checkSeq("frame", c.seq, c.next, c.stored, c.sha)
		if dup != c.wantDup || codeOf(err) != c.wantCode {
			t.Errorf("%s: dup %v, err %v; want dup %v, code %q", c.name, dup, err, c.wantDup, c.wantCode)
		}
		var pe *proctor.Error
		if errors.As(err, &pe) && (pe.Detail["next"] != nil) != c.wantNextInErr {
			t.Errorf("%s: details %v; the next number expected told: %v", c.name, pe.Detail, c.wantNextInErr)
		}
	}
}

// TestFramesInOrderAndRetriesStoredOnce plays a client's frame uploads,
// retries and mistakes against one session, in order.
func TestFramesInOrderAndRetriesStoredOnce(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	a, b, c := jpeg(t, "biden_headshoulders.jpg"), jpeg(t, "derived_biden_dark.jpg"), jpeg(t, "two_people.jpg")
	for i, step := range []struct {
		seq      int64
		data     []byte
		wantDup  bool
		wantCode proctor.Code
	}{
		{0, a, false, ""},
		{0, a, true, ""}, // the ack was lost: the retry is acknowledged again
		{0, b, false, proctor.CodeSequenceConflict},
		{2, c, false, proctor.CodeSequenceGap},
		{-1, c, false, proctor.CodeInvalid},
		{1, []byte("not a jpeg"), false, proctor.CodeNotJPEG},
		{1, b, false, ""},
		{2, c, false, ""},
		{1, b, true, ""},
	} {
		ack, err := w.svc.PutFrame(context.Background(), w.sess, step.seq, t0.Add(time.Duration(i)*time.Second), step.data)
		if codeOf(err) != step.wantCode || (err == nil && (ack.Duplicate != step.wantDup || ack.Next != step.seq+1)) {
			t.Fatalf("step %d (frame %d): ack %+v, err %v; want code %q, duplicate %v", i, step.seq, ack, err, step.wantCode, step.wantDup)
		}
	}
	frames, err := w.st.ListFrames(context.Background(), w.sess.ID, 0, 10)
	must(t, err)
	if len(frames) != 3 {
		t.Fatalf("%d frames stored, want 3 (retries stored once)", len(frames))
	}
	for i, f := range frames {
		if f.Seq != int64(i) || f.Size != int64(len([][]byte{a, b, c}[i])) {
			t.Errorf("frame %d stored as %+v", i, f)
		}
	}
	got, err := w.st.GetSession(context.Background(), w.sess.ID)
	must(t, err)
	if got.State != proctor.StateInProgress {
		t.Errorf("state after the first frame %q, want in_progress", got.State)
	}
}

func TestClosedSessionStillAcknowledgesRetries(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	a := jpeg(t, "biden_headshoulders.jpg")
	_, err := w.svc.PutFrame(ctx, w.sess, 0, t0, a)
	must(t, err)
	must(t, w.st.SetSessionState(ctx, w.sess.ID, proctor.StateInProgress, proctor.StateSubmitted, t0.Add(time.Minute)))
	sess, err := w.st.GetSession(ctx, w.sess.ID)
	must(t, err)
	if ack, err := w.svc.PutFrame(ctx, sess, 0, t0, a); err != nil || !ack.Duplicate {
		t.Errorf("retry after finish: ack %+v, err %v; want a duplicate ack", ack, err)
	}
	if _, err := w.svc.PutFrame(ctx, sess, 1, t0.Add(time.Second), a); codeOf(err) != proctor.CodeSessionClosed {
		t.Errorf("a new frame after finish: %v, want session_closed", err)
	}
}

func TestCaptureTimes(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	a := jpeg(t, "biden_headshoulders.jpg")
	for _, c := range []struct {
		name     string
		at       time.Time
		wantCode proctor.Code
	}{
		{"missing", time.Time{}, proctor.CodeBadTimestamp},
		{"well before the start", t0.Add(-2 * time.Minute), proctor.CodeBadTimestamp},
		{"in the server's future", t0.Add(time.Hour), proctor.CodeBadTimestamp},
		{"a client clock a little behind", t0.Add(-30 * time.Second), ""},
	} {
		if _, err := w.svc.PutFrame(context.Background(), w.sess, 0, c.at, a); codeOf(err) != c.wantCode {
			t.Errorf("%s: %v, want code %q", c.name, err, c.wantCode)
		}
	}
}

func TestEventBatchLimits(t *testing.T) {
	limits := DefaultLimits()
	limits.MaxBatchEvents = 3
	w := newWorld(t, limits)
	event := fmt.Sprintf(`{"kind":"focus_lost","at":%q}`, t0.Add(time.Second).Format(time.RFC3339))
	batch := func(n int) string {
		return `{"events":[` + strings.TrimSuffix(strings.Repeat(event+",", n), ",") + `]}`
	}
	for i, c := range []struct {
		name     string
		body     string
		wantCode proctor.Code
	}{
		{"one past the limit", batch(4), proctor.CodeTooLarge},
		{"no events array", `{}`, proctor.CodeMalformedJSON},
		{"an unknown field", `{"events":[],"extra":1}`, proctor.CodeMalformedJSON},
		{"data after the object", batch(1) + `{}`, proctor.CodeMalformedJSON},
		{"an unknown kind", `{"events":[{"kind":"teleport","at":"2026-11-20T09:00:01Z"}]}`, proctor.CodeInvalid},
		{"the limit exactly", batch(3), ""},
	} {
		if _, err := w.svc.PutEvents(context.Background(), w.sess, proctor.SourceBrowser, 0, []byte(c.body)); codeOf(err) != c.wantCode {
			t.Errorf("case %d, %s: %v, want code %q", i, c.name, err, c.wantCode)
		}
	}
}

// TestEventBatchRetryReencoded: a retry of a stored batch is recognised
// even when the client encodes the same events differently.
func TestEventBatchRetryReencoded(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	first := `{"events":[{"kind":"focus_lost","at":"2026-11-20T09:00:01Z"}]}`
	retry := "{ \"events\" : [ { \"at\": \"2026-11-20T09:00:01Z\", \"kind\": \"focus_lost\" } ] }"
	other := `{"events":[{"kind":"focus_gained","at":"2026-11-20T09:00:02Z"}]}`
	if ack, err := w.svc.PutEvents(ctx, w.sess, proctor.SourceBrowser, 0, []byte(first)); err != nil || ack.Duplicate || ack.Stored != 1 {
		t.Fatalf("first batch: %+v, %v", ack, err)
	}
	if ack, err := w.svc.PutEvents(ctx, w.sess, proctor.SourceBrowser, 0, []byte(retry)); err != nil || !ack.Duplicate {
		t.Fatalf("re-encoded retry: %+v, %v; want a duplicate ack", ack, err)
	}
	if _, err := w.svc.PutEvents(ctx, w.sess, proctor.SourceBrowser, 0, []byte(other)); codeOf(err) != proctor.CodeSequenceConflict {
		t.Fatalf("other events under batch 0: %v, want sequence_conflict", err)
	}
	if _, err := w.svc.PutEvents(ctx, w.sess, proctor.SourceBrowser, 2, []byte(other)); codeOf(err) != proctor.CodeSequenceGap {
		t.Fatalf("batch 2 before 1: %v, want sequence_gap", err)
	}
	events, err := w.st.ListEvents(ctx, w.sess.ID)
	must(t, err)
	if len(events) != 1 {
		t.Errorf("%d events stored, want 1", len(events))
	}
}

func TestPhotoAttemptBounds(t *testing.T) {
	limits := DefaultLimits()
	limits.MaxAttempt = 3
	w := newWorld(t, limits)
	for _, c := range []struct {
		in       PhotoInput
		wantCode proctor.Code
	}{
		{PhotoInput{Purpose: proctor.PurposeOnboarding, Kind: proctor.PhotoFace, Attempt: 0}, proctor.CodeInvalid},
		{PhotoInput{Purpose: proctor.PurposeOnboarding, Kind: proctor.PhotoFace, Attempt: 4}, proctor.CodeInvalid},
		{PhotoInput{Purpose: "selfie", Kind: proctor.PhotoFace, Attempt: 1}, proctor.CodeInvalid},
		{PhotoInput{Purpose: proctor.PurposeOnboarding, Kind: "passport", Attempt: 1}, proctor.CodeInvalid},
	} {
		if _, err := w.svc.PutPhoto(context.Background(), w.sess, c.in); codeOf(err) != c.wantCode {
			t.Errorf("%+v: %v, want code %q", c.in, err, c.wantCode)
		}
	}
}
