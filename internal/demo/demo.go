// Package demo fills a demo course: an instructor, two exams and fourteen
// students whose sessions are played through the real ingest API by the
// simulated capture client, then analysed like any other session.
package demo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/store"
)

// The demo course and its instructor.
const (
	CourseCode      = "DEMO-101"
	InstructorEmail = "instructor@demo.vigil.invalid"
)

// Options configure Fill.
type Options struct {
	Store  store.Store
	Client *simclient.Client // points at the running server
	Now    func() time.Time
	// Parallel is how many simulated students upload at once.
	Parallel int
	// Progress, when set, is told how many sessions were uploaded so far.
	Progress func(done, total int)
}

// Instructor returns the demo instructor, or store.ErrNotFound when the
// demo has not been filled.
func Instructor(ctx context.Context, st store.Store) (*proctor.User, error) {
	u, _, err := st.GetUserByEmail(ctx, InstructorEmail)
	return u, err
}

// run is one session to play.
type run struct {
	link  string
	sc    *scenario.Scenario
	start time.Time
	exam  int // 0: the midterm, 1: the quiz
}

// Fill creates the course and plays every demo session through the API.
// It returns the sessions' ids once all are uploaded (analysis goes on).
// The midterm's sessions go first: students onboard there, and the quiz's
// identity scans and webcam are compared with those onboarding photos.
func Fill(ctx context.Context, o Options) ([]int64, error) {
	runs, err := setUp(ctx, o)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var ids []int64
	for exam := range 2 {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, o.Parallel))
		for _, r := range runs {
			if r.exam != exam {
				continue
			}
			g.Go(func() error {
				res, err := o.Client.Play(gctx, r.link, r.sc, r.start)
				if err != nil {
					return fmt.Errorf("demo session %s: %w", r.sc.Name, err)
				}
				mu.Lock()
				defer mu.Unlock()
				ids = append(ids, res.Session.ID)
				if o.Progress != nil {
					o.Progress(len(ids), len(runs))
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// setUp creates the course, the instructor, the exams and the students, and
// issues each student's session links.
func setUp(ctx context.Context, o Options) ([]run, error) {
	if _, err := Instructor(ctx, o.Store); err == nil {
		return nil, errors.New("demo: the demo course already exists in this data folder")
	}
	course := &proctor.Course{Code: CourseCode, Title: "Introduction to Biology (demo)", Enabled: true}
	if err := o.Store.CreateCourse(ctx, course); err != nil {
		return nil, err
	}
	teacher := &proctor.User{Email: InstructorEmail, Name: "Dana Demo", Role: proctor.RoleInstructor}
	if err := o.Store.CreateUser(ctx, teacher, ""); err != nil {
		return nil, err
	}
	if err := o.Store.AddCourseMember(ctx, course.ID, teacher.ID); err != nil {
		return nil, err
	}
	now := o.Now()
	midterm, quiz, err := createExams(ctx, o.Store, course.ID, now)
	if err != nil {
		return nil, err
	}
	var runs []run
	for i, r := range roster {
		st := &proctor.Student{CourseID: course.ID, FirstName: r.first, LastName: r.last,
			Email: fmt.Sprintf("%s.%s@students.demo.vigil.invalid", r.first, r.last)}
		if err := o.Store.CreateStudent(ctx, st); err != nil {
			return nil, err
		}
		// The midterm was yesterday, the quiz this morning; students started
		// a few minutes apart.
		offset := time.Duration(i) * 4 * time.Minute
		for i, ex := range []struct {
			exam  *proctor.Exam
			b     behaviour
			start time.Time
		}{{midterm, r.midterm, now.Add(-26*time.Hour + offset)}, {quiz, r.quiz, now.Add(-3*time.Hour + offset)}} {
			if ex.b == nil {
				continue
			}
			link, err := ingest.IssueLink(ctx, o.Store, ingest.LinkRequest{ExamID: ex.exam.ID, StudentID: st.ID, TTL: 7 * 24 * time.Hour, Actor: "demo"})
			if err != nil {
				return nil, err
			}
			runs = append(runs, run{link: link, sc: ex.b(r.first+" "+r.last, r.face), start: ex.start, exam: i})
		}
	}
	return runs, nil
}

func createExams(ctx context.Context, st store.Store, courseID int64, now time.Time) (*proctor.Exam, *proctor.Exam, error) {
	mid := proctor.DefaultSettings()
	mid.BlacklistedApps = []string{"Zoom", "TeamViewer", "Discord", "AnyDesk"}
	mid.WhitelistedApps = []string{"Calculator"}
	mid.RequireScreenShare = true
	midterm := &proctor.Exam{CourseID: courseID, Title: "Midterm exam", Settings: mid, OpensAt: now.Add(-26 * time.Hour).Truncate(time.Hour)}
	if err := st.CreateExam(ctx, midterm); err != nil {
		return nil, nil, err
	}
	// The quiz allows copy and paste (open notes), so key presses are kept on
	// record but not applied.
	q := proctor.DefaultSettings()
	q.Keystrokes.Enabled = false
	quiz := &proctor.Exam{CourseID: courseID, Title: "Quiz 3: cell biology (open notes)", Settings: q, OpensAt: now.Add(-3 * time.Hour).Truncate(time.Hour)}
	return midterm, quiz, st.CreateExam(ctx, quiz)
}

// WaitAnalysed waits until every session is analysed, or ctx ends.
func WaitAnalysed(ctx context.Context, st store.Store, ids []int64) error {
	for {
		pending := 0
		for _, id := range ids {
			s, err := st.GetSession(ctx, id)
			if err != nil {
				return err
			}
			if s.State != proctor.StateAnalyzed {
				pending++
			}
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: %d sessions still analysing: %w", pending, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// StudentLink issues a session link for the first demo student and exam,
// so whoever runs the demo can take the student's side in a browser.
func StudentLink(ctx context.Context, st store.Store) (string, error) {
	c, err := st.GetCourseByCode(ctx, CourseCode)
	if err != nil {
		return "", err
	}
	exams, err := st.ListExams(ctx, c.ID)
	if err != nil {
		return "", err
	}
	students, err := st.ListStudents(ctx, c.ID)
	if err != nil {
		return "", err
	}
	if len(exams) == 0 || len(students) == 0 {
		return "", fmt.Errorf("demo: the demo course has no exam or no student")
	}
	return ingest.IssueLink(ctx, st, ingest.LinkRequest{ExamID: exams[0].Exam.ID, StudentID: students[0].ID, TTL: 7 * 24 * time.Hour, Actor: "demo"})
}
