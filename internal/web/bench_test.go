package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/internal/web"
)

// benchHandler is the server's whole handler (middleware included) with a
// signed-in instructor's cookie, called in-process so the figure is server
// time, without the network.
type benchHandler struct {
	h      http.Handler
	cookie *http.Cookie
}

func newBenchHandler(b *testing.B, srv *testserver.Server, u *proctor.User) *benchHandler {
	b.Helper()
	h, err := web.New(web.Deps{Schema: srv.Store, Blobs: srv.Blobs, Accounts: auth.NewAccounts(srv.Store, time.Now, testserver.Logger()), Ingest: srv.Ingest, Review: srv.Review,
		Student: srv.Student, Log: testserver.Logger(), Now: time.Now, BaseURL: "http://127.0.0.1", Live: srv.Live})
	if err != nil {
		b.Fatal(err)
	}
	tok, hash := auth.NewToken()
	now := time.Now()
	err = srv.Store.CreateWebSession(context.Background(), &store.WebSession{TokenHash: hash, UserID: u.ID, CSRFToken: "x", CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	return &benchHandler{h: h.Handler(), cookie: &http.Cookie{Name: "vigil_session", Value: tok}}
}

func (bh *benchHandler) get(b *testing.B, path string) int {
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(bh.cookie)
	rec := httptest.NewRecorder()
	bh.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
	return rec.Body.Len()
}

// seedExam stores an exam with n analysed sessions, each with a few applied
// violations of mixed types, in one transaction.
func seedExam(b testing.TB, srv *testserver.Server, n int) *testserver.Fixture {
	b.Helper()
	f := srv.NewFixture(b, 0, nil)
	ctx := context.Background()
	t0 := time.Now().UTC().Add(-24 * time.Hour)
	err := srv.Store.InTx(ctx, func(tx store.Tx) error {
		for i := range n {
			st := &proctor.Student{CourseID: f.Course.ID, FirstName: fmt.Sprintf("First%03d", i), LastName: fmt.Sprintf("Last%03d", (i*7919)%n)}
			if err := tx.CreateStudent(ctx, st); err != nil {
				return err
			}
			s := &proctor.Session{ExamID: f.Exam.ID, StudentID: st.ID, State: proctor.StateAnalyzed, CreatedAt: t0, ClientStartedAt: t0.Add(time.Duration(i) * time.Second)}
			if err := tx.CreateSession(ctx, s); err != nil {
				return err
			}
			if err := tx.TouchRecording(ctx, s.ID, s.ClientStartedAt, s.ClientStartedAt.Add(90*time.Minute)); err != nil {
				return err
			}
			if err := tx.ReplaceViolations(ctx, s.ID, violations(s.ClientStartedAt, i%7, 90*time.Minute)); err != nil {
				return err
			}
			if err := tx.SetVerdict(ctx, s.ID, proctor.VerdictPass, proctor.VerdictPass, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// violations makes n violations of rotating types spread over a session.
func violations(start time.Time, n int, length time.Duration) []proctor.Violation {
	vs := make([]proctor.Violation, n)
	for i := range vs {
		at := start.Add(time.Duration(i) * length / time.Duration(max(n, 1)))
		vs[i] = proctor.Violation{Type: proctor.ViolationTypes[i%len(proctor.ViolationTypes)], Start: at, End: at.Add(8 * time.Second),
			Confidence: 0.9, Applied: true, Rule: "bench", Reason: "benchmark data", Cause: proctor.CauseNoFace,
			Evidence: proctor.Evidence{FrameSeqs: []int64{int64(i), int64(i + 1), int64(i + 2)}}}
	}
	return vs
}

// BenchmarkStudentList500 is the Student List of an exam with 500
// sessions; BenchmarkBaselineHealthz is the same handler stack serving its
// smallest page, measured in the same run for the ratio.
func BenchmarkStudentList500(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{NoWorker: true})
	f := seedExam(b, srv, 500)
	bh := newBenchHandler(b, srv, &f.Instructor)
	path := fmt.Sprintf("/exams/%d/sessions?sort=status&dir=desc", f.Exam.ID)
	size := bh.get(b, path)
	for b.Loop() {
		bh.get(b, path)
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}

func BenchmarkBaselineHealthz(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{NoWorker: true})
	f := srv.NewFixture(b, 0, nil)
	bh := newBenchHandler(b, srv, &f.Instructor)
	for b.Loop() {
		bh.get(b, "/healthz")
	}
}

// seedLongSession stores a 3-hour session: 10,800 frames at 1 per second
// and 500 violations.
func seedLongSession(b *testing.B, srv *testserver.Server) (*testserver.Fixture, int64) {
	b.Helper()
	f := srv.NewFixture(b, 1, nil)
	ctx := context.Background()
	t0 := time.Now().UTC().Add(-4 * time.Hour)
	s := &proctor.Session{ExamID: f.Exam.ID, StudentID: f.Students[0].ID, State: proctor.StateAnalyzed, CreatedAt: t0, ClientStartedAt: t0}
	err := srv.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSession(ctx, s); err != nil {
			return err
		}
		for seq := range int64(10800) {
			fr := &proctor.Frame{SessionID: s.ID, Seq: seq, CapturedAt: t0.Add(time.Duration(seq) * time.Second), BlobKey: "k",
				SHA256: "h", Size: 15000, Width: 320, Height: 240, ReceivedAt: t0}
			if err := tx.InsertFrame(ctx, fr); err != nil {
				return err
			}
		}
		if err := tx.TouchRecording(ctx, s.ID, t0, t0.Add(3*time.Hour)); err != nil {
			return err
		}
		return tx.ReplaceViolations(ctx, s.ID, violations(t0, 500, 3*time.Hour))
	})
	if err != nil {
		b.Fatal(err)
	}
	return f, s.ID
}

// BenchmarkSessionPage3h is the session page (Video Monitoring tab) of a
// 3-hour session, its timeline JSON (10,800 frames, 500 spans) and the
// Online Violations tab listing all 500.
func BenchmarkSessionPage3h(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{NoWorker: true})
	f, sid := seedLongSession(b, srv)
	bh := newBenchHandler(b, srv, &f.Instructor)
	for _, p := range []struct{ name, path string }{
		{"page", fmt.Sprintf("/sessions/%d", sid)},
		{"timeline", fmt.Sprintf("/sessions/%d/timeline.json", sid)},
		{"violations-tab", fmt.Sprintf("/sessions/%d?tab=violations", sid)},
	} {
		b.Run(p.name, func(b *testing.B) {
			size := bh.get(b, p.path)
			for b.Loop() {
				bh.get(b, p.path)
			}
			b.ReportMetric(float64(size)/1024, "KiB/page")
		})
	}
}
