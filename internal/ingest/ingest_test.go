package ingest

import (
	"context"
	"errors"
	"image"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/analysis/face"
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &world{st: st, sess: sess, svc: New(st, blobs, noFaces{}, limits, now, log)}
}

// noFaces is a face detector that finds nobody: a room photo passes its
// check, a face or ID photo fails it. Tests that need real faces set
// w.svc.faces to the real detector.
type noFaces struct{}

func (noFaces) Detect(context.Context, image.Image) ([]face.Face, error) { return nil, nil }

// newSession adds another session of the world's student at its exam,
// created at t0, so that each case of a table starts from an empty one.
func (w *world) newSession(t *testing.T) *proctor.Session {
	t.Helper()
	return w.sessionStarted(t, t0)
}

// sessionStarted is newSession for a client whose clock said clientStart
// when it began.
func (w *world) sessionStarted(t *testing.T, clientStart time.Time) *proctor.Session {
	t.Helper()
	sess := &proctor.Session{ExamID: w.sess.ExamID, StudentID: w.sess.StudentID, CreatedAt: t0, ClientStartedAt: clientStart}
	must(t, w.st.CreateSession(context.Background(), sess))
	return sess
}

// reload reads a session again, as the next request would.
func (w *world) reload(t *testing.T, sess *proctor.Session) *proctor.Session {
	t.Helper()
	got, err := w.st.GetSession(context.Background(), sess.ID)
	must(t, err)
	return got
}

// at moves the service's clock to now for the rest of the (sub)test.
func (w *world) at(t *testing.T, now time.Time) {
	old := w.svc.now
	w.svc.now = func() time.Time { return now }
	t.Cleanup(func() { w.svc.now = old })
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
		t.Run(c.name, func(t *testing.T) {
			dup, err := checkSeq("frame", c.seq, c.next, c.stored, c.sha)
			if dup != c.wantDup || codeOf(err) != c.wantCode {
				t.Errorf("dup %v, err %v; want dup %v, code %q", dup, err, c.wantDup, c.wantCode)
			}
			if told := nextIn(err) != -1; told != c.wantNextInErr {
				t.Errorf("%v tells the next number: %v, want %v", err, told, c.wantNextInErr)
			}
			if c.wantNextInErr && nextIn(err) != c.next {
				t.Errorf("%v tells next %d, want %d", err, nextIn(err), c.next)
			}
		})
	}
}
