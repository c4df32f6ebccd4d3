// Package testserver starts a real Vigil for tests: a fresh SQLite file and
// media folder in the test's temp dir, the real face detector, River workers,
// and the HTTP handler on a loopback listener. Nothing is mocked.
package testserver

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/analysis"
	"vigil/internal/analysis/identity"
	"vigil/internal/analysis/voice"
	"vigil/internal/auth"
	"vigil/internal/blob"
	"vigil/internal/blob/fileblob"
	"vigil/internal/ingest"
	"vigil/internal/jobs"
	"vigil/internal/live"
	"vigil/internal/lms"
	"vigil/internal/mail"
	"vigil/internal/metrics"
	"vigil/internal/onnxrt"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
	"vigil/internal/student"
	"vigil/internal/testwait"
	"vigil/internal/web"
)

// Server is a running Vigil.
type Server struct {
	URL         string
	Store       *sqlstore.Store
	Blobs       blob.Bucket
	Ingest      *ingest.Service
	Live        *live.Broker // ingest's events for the live view
	Review      *review.Service
	Student     *student.Service
	LTI         *lms.Stack
	HTTP        *httptest.Server
	Dir         string
	workers     *river.Client[*sql.Tx]
	mail        mail.Sender
	mailRetry   time.Duration
	mediaDirect bool
	workerCount int
	metrics     *metrics.Metrics
	// skew moves the server's clock (Advance), to test expiry.
	skew atomic.Int64
}

// Now is the server's clock: the real time plus what Advance added.
func (s *Server) Now() time.Time { return time.Now().UTC().Add(time.Duration(s.skew.Load())) }

// Advance moves the server's clock forward by d.
func (s *Server) Advance(d time.Duration) { s.skew.Add(int64(d)) }

// Options adjust the server; the zero value is the default.
type Options struct {
	Limits   *ingest.Limits
	NoWorker bool // leave analysis jobs queued
	Workers  int  // analysis jobs at once (default 2)
	// Host names the server in its address instead of 127.0.0.1 (a
	// browser test maps it to 127.0.0.1): a name that is not loopback
	// makes Vigil behave as on a plain-http intranet host.
	Host string
	// Mail hands mail to an SMTP server (nil: mail stays in the outbox);
	// MailRetry is the first wait after a failed send.
	Mail      mail.Sender
	MailRetry time.Duration
	// Blobs replaces the media folder (an S3 bucket); MediaDirect then
	// sends browsers to its signed URLs.
	Blobs       blob.Bucket
	MediaDirect bool
	// DigestDelay is how long after a student's explanations the digest
	// mail goes to the instructors (0: at once).
	DigestDelay time.Duration
	// Log receives the server's log (default: Logger()); Metrics are the
	// server's metrics (default: none); Disk is its free-space floor
	// (default: none).
	Log     *slog.Logger
	Metrics *metrics.Metrics
	Disk    web.DiskFloor
	// LogTo receives the server's log (text lines) instead of Logger's
	// choice: a test reads what an operator would.
	LogTo io.Writer
}

var (
	modelsOnce sync.Once
	models     *analysis.Models
)

// Models returns the process-wide detectors, failing the test with a clear
// message when ONNX Runtime, the voice model or the face-embedding model is
// missing (`make setup` fetches them).
func Models(t testing.TB) *analysis.Models {
	t.Helper()
	modelsOnce.Do(func() {
		models = analysis.NewModels(2, analysis.ModelFiles{RuntimeLib: onnxrt.DefaultLibPath(), Voice: voice.DefaultModelPath(),
			Embedding: identity.Options{Path: identity.DefaultModelPath()}})
	})
	if err := models.Check(); err != nil {
		t.Fatalf("analysis models unavailable: %v", err)
	}
	return models
}

// Logger writes to the test log only when VIGIL_TEST_LOG is set, so a
// passing run stays quiet.
func Logger() *slog.Logger {
	if os.Getenv("VIGIL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start starts a server; it is stopped when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{Dir: t.TempDir()}
	ctx := context.Background()
	var err error
	if s.Store, err = sqlstore.OpenSQLite(ctx, filepath.Join(s.Dir, "vigil.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Store.Close() })
	if _, err := s.Store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if o.Blobs != nil {
		s.Blobs = o.Blobs
	} else if s.Blobs, err = fileblob.Open(filepath.Join(s.Dir, "media")); err != nil {
		t.Fatal(err)
	}
	limits := ingest.DefaultLimits()
	if o.Limits != nil {
		limits = *o.Limits
	}
	now := s.Now
	log := Logger()
	if o.LogTo != nil {
		log = slog.New(slog.NewTextHandler(o.LogTo, nil))
	}
	if o.Log != nil {
		log = o.Log
	}
	s.Ingest = ingest.New(s.Store, s.Blobs, Models(t).Faces(), limits, now, log)
	s.Live = live.NewBroker()
	s.Ingest.SetLive(s.Live)
	s.Review = review.New(s.Store, now)
	// The handler needs the server's own address (LTI checks links
	// against it), known once the listener exists.
	var handler http.Handler
	s.HTTP = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	s.URL = s.HTTP.URL
	if o.Host != "" {
		s.URL = strings.Replace(s.URL, "127.0.0.1", o.Host, 1)
	}
	t.Cleanup(s.HTTP.Close)
	t.Cleanup(func() {
		if s.Live != nil {
			s.Live.CloseAll() // runs before HTTP.Close: open live streams would hold it
		}
	})
	if s.LTI, err = lms.NewStack(ctx, s.Store, s.Ingest, s.URL, &http.Client{Timeout: 20 * time.Second}, now, log); err != nil {
		t.Fatal(err)
	}
	s.mediaDirect = o.MediaDirect
	s.Student = student.New(student.Deps{Store: s.Store, Blobs: s.Blobs, Review: s.Review, Faces: Models(t).Faces(), Now: now,
		BaseURL: s.URL, MailOn: o.Mail != nil, DigestDelay: o.DigestDelay})
	srv, err := web.New(web.Deps{Metrics: o.Metrics, Disk: o.Disk, MediaDirect: o.MediaDirect, Schema: s.Store, Blobs: s.Blobs, Accounts: auth.NewAccounts(s.Store, now, log),
		Ingest: s.Ingest, Review: s.Review, Student: s.Student, MailConfigured: o.Mail != nil, Log: log, Now: now, BaseURL: s.URL, Live: s.Live,
		LTI: &web.LTI{Flow: s.LTI.Flow, Keys: s.LTI.Keys, LMS: s.LTI.LMS}})
	if err != nil {
		t.Fatal(err)
	}
	handler = srv.Handler()
	s.mail, s.mailRetry, s.workerCount, s.metrics = o.Mail, o.MailRetry, o.Workers, o.Metrics
	s.LTI.LMS.MailSends = o.Mail != nil
	if !o.NoWorker {
		s.StartWorkers(t)
	}
	return s
}

// StartWorkers starts the analysis workers (Start does, unless NoWorker).
func (s *Server) StartWorkers(t testing.TB) {
	t.Helper()
	var err error
	s.workers, err = jobs.Start(context.Background(), jobs.Deps{Store: s.Store, Blobs: s.Blobs, Frames: Models(t).Frames(), Audio: Models(t).Audio(), Identity: Models(t).Identity(), Log: Logger(),
		Now: s.Now, Workers: cmp.Or(s.workerCount, 2), Metrics: s.metrics, Roster: s.LTI.LMS, BaseURL: s.URL, Mail: s.mail, MailRetry: s.mailRetry, JoinVideo: s.mediaDirect, Live: s.Live})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.workers.Stop(ctx)
	})
}

// Fixture is a course with an instructor, an exam and students.
type Fixture struct {
	Course     proctor.Course
	Exam       proctor.Exam
	Instructor proctor.User
	Students   []proctor.Student
}

// NewFixture creates a course "TEST-1" with one exam (settings adjusted by
// tweak when not nil) and n students.
func (s *Server) NewFixture(t testing.TB, n int, tweak func(*proctor.Settings)) *Fixture {
	t.Helper()
	ctx := context.Background()
	f := &Fixture{Course: proctor.Course{Code: "TEST-1", Title: "Testing 101", Enabled: true}}
	must(t, s.Store.CreateCourse(ctx, &f.Course))
	f.Instructor = proctor.User{Email: "teacher@example.edu", Name: "Tess Teacher", Role: proctor.RoleInstructor}
	must(t, s.Store.CreateUser(ctx, &f.Instructor, ""))
	must(t, s.Store.AddCourseMember(ctx, f.Course.ID, f.Instructor.ID))
	settings := proctor.DefaultSettings()
	if tweak != nil {
		tweak(&settings)
	}
	f.Exam = proctor.Exam{CourseID: f.Course.ID, Title: "Midterm", Settings: settings}
	must(t, s.Store.CreateExam(ctx, &f.Exam))
	for i := range n {
		st := proctor.Student{CourseID: f.Course.ID, FirstName: firstNames[i%len(firstNames)], LastName: "Student"}
		must(t, s.Store.CreateStudent(ctx, &st))
		f.Students = append(f.Students, st)
	}
	return f
}

var firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Niklaus"}

// Link issues a session link for student i of the fixture.
func (s *Server) Link(t testing.TB, f *Fixture, i int) string {
	t.Helper()
	tok, err := ingest.IssueLink(context.Background(), s.Store, ingest.LinkRequest{ExamID: f.Exam.ID, StudentID: f.Students[i].ID, TTL: time.Hour, Actor: "test"})
	must(t, err)
	return tok
}

// SignIn returns an HTTP client signed in as u (a cookie for a fresh web
// session) and that session's CSRF token.
func (s *Server) SignIn(t testing.TB, u *proctor.User) (*http.Client, string) {
	t.Helper()
	tok, hash := auth.NewToken()
	csrf, _ := auth.NewToken()
	now := s.Now()
	must(t, s.Store.CreateWebSession(context.Background(), &store.WebSession{TokenHash: hash, UserID: u.ID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	jar := &cookieJar{cookies: []*http.Cookie{{Name: "vigil_session", Value: tok}}}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, csrf
}

// SignInLink issues a one-time sign-in link (a URL) for u.
func (s *Server) SignInLink(t testing.TB, u *proctor.User) string {
	t.Helper()
	tok, hash := auth.NewToken()
	must(t, s.Store.CreateSignInLink(context.Background(), hash, u.ID, s.Now().Add(time.Hour)))
	return s.URL + "/signin/link/" + tok
}

// WaitAnalysed waits until a session is analysed.
func (s *Server) WaitAnalysed(t testing.TB, sessionID int64) *proctor.Session {
	t.Helper()
	return testwait.For(t, fmt.Sprintf("session %d to be analysed", sessionID), 60*time.Second, func() (*proctor.Session, bool) {
		sess, err := s.Store.GetSession(context.Background(), sessionID)
		must(t, err)
		return sess, sess.State == proctor.StateAnalyzed
	})
}

type cookieJar struct{ cookies []*http.Cookie }

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {}
func (j *cookieJar) Cookies(*url.URL) []*http.Cookie          { return j.cookies }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
