package lms

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"

	"vigil/internal/ingest"
	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
	"vigil/internal/testneeds"
)

func rlKey(id string) proctor.AssessmentKey {
	return proctor.AssessmentKey{Kind: proctor.AssessmentResourceLink, ID: id}
}

func quizKey(id string) proctor.AssessmentKey {
	return proctor.AssessmentKey{Kind: proctor.AssessmentCanvasQuiz, ID: id}
}

// TestAssessmentOfLaunch: what names the LMS assessment in each kind of
// launch.
func TestAssessmentOfLaunch(t *testing.T) {
	for _, c := range []struct {
		name     string
		message  string
		link     string
		custom   map[string]string
		wantKeys []proctor.AssessmentKey
		wantExam int64
	}{
		{"resource link", lti.MsgResourceLink, "rl-1", nil, []proctor.AssessmentKey{rlKey("rl-1")}, 0},
		{"resource link placed by deep linking", lti.MsgResourceLink, "rl-1", map[string]string{"vigil_exam_id": "12"},
			[]proctor.AssessmentKey{rlKey("rl-1")}, 12},
		{"resource link of a Canvas quiz", lti.MsgResourceLink, "rl-1", map[string]string{"canvas_quiz_id": "501", "vigil_exam_id": "12"},
			[]proctor.AssessmentKey{rlKey("rl-1"), quizKey("501")}, 12},
		{"proctoring start", lti.MsgStartProctoring, "501", nil, []proctor.AssessmentKey{rlKey("501")}, 0},
		{"proctoring start of a Canvas quiz", lti.MsgStartProctoring, "501", map[string]string{"canvas_quiz_id": "501"},
			[]proctor.AssessmentKey{rlKey("501"), quizKey("501")}, 0},
		{"proctoring end", lti.MsgEndAssessment, "501", map[string]string{"canvas_quiz_id": "501"},
			[]proctor.AssessmentKey{rlKey("501"), quizKey("501")}, 0},
		{"deep linking from a Canvas quiz", lti.MsgDeepLinking, "", map[string]string{"canvas_quiz_id": "501"},
			[]proctor.AssessmentKey{quizKey("501")}, 0},
		{"deep linking: a resource link is not the request's", lti.MsgDeepLinking, "nav", nil, nil, 0},
		{"deep linking from a module", lti.MsgDeepLinking, "", nil, nil, 0},
		{"quiz id with spaces", lti.MsgResourceLink, "rl-1", map[string]string{"canvas_quiz_id": " 501 "},
			[]proctor.AssessmentKey{rlKey("rl-1"), quizKey("501")}, 0},
		{"substitution the LMS did not expand", lti.MsgStartProctoring, "501", map[string]string{"canvas_quiz_id": "$Canvas.quiz.id"},
			[]proctor.AssessmentKey{rlKey("501")}, 0},
		{"quiz id that is no number", lti.MsgResourceLink, "rl-1", map[string]string{"canvas_quiz_id": "50a"},
			[]proctor.AssessmentKey{rlKey("rl-1")}, 0},
		{"a quiz id longer than any Canvas id", lti.MsgResourceLink, "rl-1", map[string]string{"canvas_quiz_id": "123456789012345678901"},
			[]proctor.AssessmentKey{rlKey("rl-1")}, 0},
		{"the longest Canvas id", lti.MsgResourceLink, "rl-1", map[string]string{"canvas_quiz_id": "12345678901234567890"},
			[]proctor.AssessmentKey{rlKey("rl-1"), quizKey("12345678901234567890")}, 0},
		{"exam id that is no number", lti.MsgResourceLink, "rl-1", map[string]string{"vigil_exam_id": "twelve"},
			[]proctor.AssessmentKey{rlKey("rl-1")}, 0},
		{"negative exam id", lti.MsgResourceLink, "rl-1", map[string]string{"vigil_exam_id": "-3"},
			[]proctor.AssessmentKey{rlKey("rl-1")}, 0},
		{"exam id 0", lti.MsgResourceLink, "rl-1", map[string]string{"vigil_exam_id": "0"},
			[]proctor.AssessmentKey{rlKey("rl-1")}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := &lti.Launch{MessageType: c.message, ResourceLink: lti.ResourceLink{ID: c.link}, Custom: c.custom}
			a := assessmentOf(l)
			if !slices.Equal(a.keys, c.wantKeys) || a.examID != c.wantExam {
				t.Errorf("keys %v, exam %d; want %v, %d", a.keys, a.examID, c.wantKeys, c.wantExam)
			}
		})
	}
}

// TestExamForRules: how the names of an assessment find its exam — any
// attached name leads to its exam, and the others are attached to it; a
// placed link's exam counts only when no name is attached; a new exam is
// made only when asked for.
func TestExamForRules(t *testing.T) {
	type state map[proctor.AssessmentKey]string // name → "A" or "B"
	for _, c := range []struct {
		name     string
		before   state
		a        func(ex map[string]int64) assessment
		create   bool
		want     string // "A", "B", "new" or "" (none)
		after    state  // "new" for the new exam
		warnings int
	}{
		{"unknown, made", state{}, keys(rlKey("501"), quizKey("501")), true, "new",
			state{rlKey("501"): "new", quizKey("501"): "new"}, 0},
		{"unknown, not made", state{}, keys(rlKey("501"), quizKey("501")), false, "", state{}, 0},
		{"the resource link is known", state{rlKey("501"): "A"}, keys(rlKey("501"), quizKey("501")), true, "A",
			state{rlKey("501"): "A", quizKey("501"): "A"}, 0},
		{"the quiz is known", state{quizKey("501"): "A"}, keys(rlKey("501"), quizKey("501")), true, "A",
			state{rlKey("501"): "A", quizKey("501"): "A"}, 0},
		{"the quiz is known, nothing made", state{quizKey("501"): "A"}, keys(rlKey("rl-9"), quizKey("501")), false, "A",
			state{rlKey("rl-9"): "A", quizKey("501"): "A"}, 0},
		{"a placed link names its exam", state{}, hinted("A", rlKey("rl-1")), true, "A", state{rlKey("rl-1"): "A"}, 0},
		{"a name outranks the placed link", state{rlKey("rl-1"): "B"}, hinted("A", rlKey("rl-1")), true, "B", state{rlKey("rl-1"): "B"}, 0},
		{"a placed link of another course", state{}, hinted("elsewhere", rlKey("rl-1")), true, "new", state{rlKey("rl-1"): "new"}, 0},
		{"a placed link of an exam since merged", state{}, hinted("merged into A", rlKey("rl-1")), false, "A", state{rlKey("rl-1"): "A"}, 0},
		{"a placed link of an exam that is gone", state{}, hinted("gone", rlKey("rl-1")), false, "", state{}, 0},
		{"two exams made before: the first name's wins, nothing moves", state{rlKey("501"): "A", quizKey("501"): "B"},
			keys(rlKey("501"), quizKey("501")), true, "A", state{rlKey("501"): "A", quizKey("501"): "B"}, 1},
		{"no names at all", state{}, keys(), true, "new", state{}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, p, path := newServiceAt(t)
			var warnings logCounter
			s.Log = slog.New(&warnings)
			ctx := t.Context()
			course := &proctor.Course{Code: "BIO", Title: "Biology", Enabled: true}
			must(t, s.Store.(store.Store).CreateCourse(ctx, course))
			must(t, s.Store.(store.Store).SaveLTIContext(ctx, &proctor.LTIContext{CourseID: course.ID, PlatformID: p.ID, ContextID: "c"}))
			ex := map[string]int64{}
			for _, name := range []string{"A", "B"} {
				e := &proctor.Exam{CourseID: course.ID, Title: name, Settings: proctor.DefaultSettings(), CreatedAt: t0}
				must(t, s.Store.(store.Store).CreateExam(ctx, e))
				ex[name] = e.ID
			}
			other := &proctor.Course{Code: "CHEM", Title: "Chemistry", Enabled: true}
			must(t, s.Store.(store.Store).CreateCourse(ctx, other))
			elsewhere := &proctor.Exam{CourseID: other.ID, Title: "Elsewhere", Settings: proctor.DefaultSettings(), CreatedAt: t0}
			must(t, s.Store.(store.Store).CreateExam(ctx, elsewhere))
			ex["elsewhere"], ex["gone"], ex["merged into A"] = elsewhere.ID, 9990, 9991
			mergeRecord(t, path, 9991, ex["A"])
			for k, name := range c.before {
				must(t, s.Store.(store.Store).AttachAssessment(ctx, course.ID, k, ex[name]))
			}
			var newExam func() *proctor.Exam
			if c.create {
				newExam = func() *proctor.Exam {
					return &proctor.Exam{CourseID: course.ID, Title: "New", Settings: proctor.DefaultSettings(), CreatedAt: t0}
				}
			}
			var got *proctor.Exam
			err := s.Store.(store.Store).InTx(ctx, func(tx store.Tx) error {
				var err error
				got, err = s.examFor(ctx, tx, course.ID, c.a(ex), newExam)
				return err
			})
			switch {
			case c.want == "" && !errors.Is(err, store.ErrNotFound):
				t.Fatalf("found %+v (%v), want none", got, err)
			case c.want == "":
			case err != nil:
				t.Fatal(err)
			case c.want == "new" && (got.Title != "New" || got.ID == ex["A"] || got.ID == ex["B"]):
				t.Fatalf("found %+v, want a new exam", got)
			case c.want != "new" && got.ID != ex[c.want]:
				t.Fatalf("found exam %d (%s), want %s", got.ID, got.Title, c.want)
			}
			if got != nil {
				ex["new"] = got.ID
			}
			want := map[proctor.AssessmentKey]int64{}
			for k, name := range c.after {
				want[k] = ex[name]
			}
			links, err := s.Store.(store.Store).ListAssessments(ctx, course.ID)
			must(t, err)
			have := map[proctor.AssessmentKey]int64{}
			for _, l := range links {
				have[l.AssessmentKey] = l.ExamID
			}
			if fmt.Sprint(have) != fmt.Sprint(want) {
				t.Fatalf("names attached %v, want %v", have, want)
			}
			exams, err := s.Store.(store.Store).ListExams(ctx, course.ID)
			must(t, err)
			wantExams := 2
			if c.want == "new" {
				wantExams = 3
			}
			if len(exams) != wantExams || warnings.n != c.warnings {
				t.Fatalf("%d exams and %d warnings, want %d and %d", len(exams), warnings.n, wantExams, c.warnings)
			}
		})
	}
}

func keys(k ...proctor.AssessmentKey) func(map[string]int64) assessment {
	return func(map[string]int64) assessment { return assessment{keys: k} }
}

func hinted(exam string, k ...proctor.AssessmentKey) func(map[string]int64) assessment {
	return func(ex map[string]int64) assessment { return assessment{keys: k, examID: ex[exam]} }
}

// logCounter counts warnings.
type logCounter struct{ n int }

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		l.n++
	}
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

// newServiceAt is newService, also returning the database file.
func newServiceAt(t *testing.T) (*Service, *proctor.Platform, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vigil.db")
	st, err := sqlstore.OpenSQLite(t.Context(), path)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	s, p := serviceOn(t, st)
	return s, p, path
}

// serviceOn is the LMS logic over a migrated store, with one platform
// whose courses are enabled on first launch.
func serviceOn(t *testing.T, st store.Store) (*Service, *proctor.Platform) {
	t.Helper()
	ctx := t.Context()
	if m, ok := st.(interface {
		Migrate(context.Context) ([]int, error)
	}); ok {
		_, err := m.Migrate(ctx)
		must(t, err)
	}
	p := &proctor.Platform{Name: "Canvas", Issuer: "https://canvas.example.edu", ClientID: "vigil", AuthURL: "https://canvas.example.edu/auth",
		TokenURL: "https://canvas.example.edu/token", JWKSURL: "https://canvas.example.edu/jwks", Deployments: []string{"1"}, AutoEnable: true, CreatedAt: t0}
	must(t, st.CreatePlatform(ctx, p))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := func() time.Time { return time.Now().UTC() }
	in := ingest.New(st, nil, nil, ingest.DefaultLimits(), now, log)
	return &Service{Store: st, Ingest: in, Now: now, Log: log, Base: "https://vigil.example.edu"}, p
}

// mergeRecord writes what migration 0011 writes when it merges exam from
// into exam into (the store never writes it otherwise).
func mergeRecord(t *testing.T, path string, from, into int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	must(t, err)
	defer db.Close()
	_, err = db.ExecContext(t.Context(), `INSERT INTO exam_merges (from_exam_id, into_exam_id, merged_at) VALUES (?, ?, 1)`, from, into)
	must(t, err)
}

// TestStudentsLaunchingAtOnceMakeOneExam: students whose LTI Proctoring
// launches for a new assessment arrive at the same moment all get the one
// exam made for it — on SQLite, and on PostgreSQL where the transactions
// really run side by side.
func TestStudentsLaunchingAtOnceMakeOneExam(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		s, p, _ := newServiceAt(t)
		launchTogether(t, s, p)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		s, p := serviceOn(t, postgresStore(t))
		launchTogether(t, s, p)
	})
}

func launchTogether(t *testing.T, s *Service, p *proctor.Platform) {
	ctx := t.Context()
	ctxClaim := lti.Context{ID: "course-7", Label: "BIO-7", Title: "Biology"}
	// The course exists (an instructor opened Vigil from it); the quiz is new.
	_, err := s.Complete(ctx, &lti.Launch{PlatformID: p.ID, DeploymentID: "1", MessageType: lti.MsgResourceLink, Sub: "teacher",
		Roles: []string{lti.RoleInstructor}, Context: ctxClaim, ResourceLink: lti.ResourceLink{ID: "nav"}, TargetLinkURI: "https://vigil.example.edu/lti/dashboard"})
	must(t, err)
	const students = 6
	outs := make([]*Outcome, students)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range students {
		wg.Go(func() {
			<-start
			l := &lti.Launch{PlatformID: p.ID, DeploymentID: "1", MessageType: lti.MsgStartProctoring, Sub: fmt.Sprintf("student-%d", i),
				GivenName: "S", FamilyName: fmt.Sprint(i), Roles: []string{lti.RoleLearner}, Context: ctxClaim,
				ResourceLink: lti.ResourceLink{ID: "501", Title: "Midterm"}, Custom: map[string]string{"canvas_quiz_id": "501"},
				TargetLinkURI: "https://vigil.example.edu/lti/dashboard",
				Proctoring:    &lti.Proctoring{AttemptNumber: 1, SessionData: "sd", StartAssessmentURL: "https://lms/start"}}
			out, err := s.Complete(ctx, l)
			if err != nil || out.Kind != GoProctoring {
				t.Errorf("student %d: %+v (%v)", i, out, err)
				return
			}
			outs[i] = out
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	x, err := s.Store.(store.Store).FindLTIContext(ctx, p.ID, "course-7")
	must(t, err)
	exams, err := s.Store.(store.Store).ListExams(ctx, x.CourseID)
	must(t, err)
	if len(exams) != 1 || exams[0].Sessions != students {
		t.Fatalf("%d exams (%+v), want one holding %d sessions", len(exams), exams, students)
	}
	for i, out := range outs {
		if out.Exam.ID != exams[0].ID {
			t.Fatalf("student %d went to exam %d, not %d", i, out.Exam.ID, exams[0].ID)
		}
	}
}

// postgresStore is an empty store in a schema of its own on the test
// PostgreSQL server, dropped when the test ends (testneeds decides what a
// missing server means).
func postgresStore(t *testing.T) store.Store {
	t.Helper()
	server := testneeds.PostgresURL(t)
	admin, err := sql.Open("pgx", server)
	must(t, err)
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	schema := "vigil_lms_" + hex.EncodeToString(b)
	_, err = admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema)
	must(t, err)
	t.Cleanup(func() { admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`) })
	u, err := url.Parse(server)
	must(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := sqlstore.OpenPostgres(t.Context(), u.String())
	must(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}
