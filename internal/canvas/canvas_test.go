package canvas_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"vigil/internal/canvas"
	"vigil/internal/devlms"
)

// canvasLMS is the development LMS's Canvas-like API with its seed data,
// on a clock that moves only when a client waits (its rate limiter's
// bucket drains by that clock).
func canvasLMS(t *testing.T, rate float64) (*devlms.Platform, devlms.SeedData, string, *fakeClock) {
	t.Helper()
	clock := &fakeClock{at: time.Now()}
	p, err := devlms.New(devlms.Options{RateLimit: rate, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(p.Handler())
	t.Cleanup(hs.Close)
	p.SetBaseURL(hs.URL)
	return p, devlms.Seed(p), hs.URL, clock
}

// fakeClock is the development LMS's time: a client's wait moves it on at
// once, so a throttled client's back-off drains the bucket without the
// test sleeping.
type fakeClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// client talks to the LMS at base; each wait it is asked for is recorded
// in slept and passes on the LMS's clock.
func client(base, token string, clock *fakeClock, slept *[]time.Duration) *canvas.Client {
	return &canvas.Client{Base: base, HTTP: http.DefaultClient, Retries: 3,
		Token: func(context.Context) (string, error) { return token, nil },
		Sleep: func(ctx context.Context, d time.Duration) error {
			*slept = append(*slept, d)
			clock.advance(d)
			return ctx.Err()
		}}
}

// TestQuizzesPagedAndAccessCode lists 150 quizzes across pages and sets,
// reads back and clears an access code.
func TestQuizzesPagedAndAccessCode(t *testing.T) {
	p, seed, base, clock := canvasLMS(t, 0)
	for i := range 148 {
		p.AddQuiz(seed.CourseID, devlms.Quiz{Title: fmt.Sprintf("Quiz %d", i), Published: true})
	}
	var slept []time.Duration
	c := client(base, p.IssueAPIToken(seed.InstructorID), clock, &slept)
	quizzes, err := c.Quizzes(context.Background(), seed.CourseID)
	if err != nil || len(quizzes) != 150 {
		t.Fatalf("%d quizzes (%v), want 150 over two pages", len(quizzes), err)
	}
	id := fmt.Sprint(quizzes[0].ID)
	q, err := c.SetAccessCode(context.Background(), seed.CourseID, id, "s3cret-code")
	if err != nil || q.AccessCode == nil || *q.AccessCode != "s3cret-code" {
		t.Fatalf("set access code: %+v, %v", q, err)
	}
	if got, _ := p.Quiz(seed.CourseID, id); got.AccessCode != "s3cret-code" {
		t.Fatalf("Canvas holds %q", got.AccessCode)
	}
	if _, err := c.SetAccessCode(context.Background(), seed.CourseID, id, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Quiz(seed.CourseID, id); got.AccessCode != "" {
		t.Fatalf("code not cleared: %q", got.AccessCode)
	}
}

// TestCanvasRefusals reads Canvas's error bodies: a bad token, a student's
// token, an unknown course.
func TestCanvasRefusals(t *testing.T) {
	p, seed, base, clock := canvasLMS(t, 0)
	var slept []time.Duration
	cases := []struct {
		name, token, course string
		status              int
		want                string
	}{
		{"bad token", "nope", seed.CourseID, 401, "Invalid access token."},
		{"student", p.IssueAPIToken(seed.StudentIDs[0]), seed.CourseID, 401, "user not authorized to perform that action"},
		{"unknown course", p.IssueAPIToken(seed.InstructorID), "999", 404, "The specified resource does not exist."},
	}
	for _, tc := range cases {
		_, err := client(base, tc.token, clock, &slept).SetAccessCode(context.Background(), tc.course, seed.QuizIDs[0], "x")
		var ce *canvas.Error
		if !errors.As(err, &ce) || ce.Status != tc.status || ce.Message != tc.want {
			t.Errorf("%s: %v, want %d %q", tc.name, err, tc.status, tc.want)
		}
	}
}

// TestThrottledRequestsRetry: Canvas answers 403 Rate Limit Exceeded when
// the bucket is empty; the client waits, backing off, and succeeds.
func TestThrottledRequestsRetry(t *testing.T) {
	p, seed, base, clock := canvasLMS(t, 2)
	var slept []time.Duration
	c := client(base, p.IssueAPIToken(seed.InstructorID), clock, &slept)
	for i := range 6 {
		if _, err := c.SetAccessCode(context.Background(), seed.CourseID, seed.QuizIDs[0], fmt.Sprint("code", i)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if len(slept) == 0 || slept[0] != time.Second {
		t.Fatalf("no back-off while throttled: %v", slept)
	}
	c.Retries = 0
	var err error
	for range 5 {
		if _, err = c.SetAccessCode(context.Background(), seed.CourseID, seed.QuizIDs[0], "again"); err != nil {
			break
		}
	}
	var ce *canvas.Error
	if !errors.As(err, &ce) || !ce.RateLimited {
		t.Fatalf("without retries a throttled request fails as rate limited: %v", err)
	}
}

// TestNewQuizzesAccessCode: the New Quizzes API lists New Quizzes apart
// from Classic ones and sets, then clears, a New Quiz's student access code.
func TestNewQuizzesAccessCode(t *testing.T) {
	p, seed, base, clock := canvasLMS(t, 0)
	nq := p.AddQuiz(seed.CourseID, devlms.Quiz{Title: "New final", Published: true, New: true})
	var slept []time.Duration
	c := client(base, p.IssueAPIToken(seed.InstructorID), clock, &slept)
	classic, err := c.Quizzes(context.Background(), seed.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range classic {
		if q.Title == "New final" || q.New {
			t.Fatalf("the Classic Quizzes API lists a New Quiz: %+v", q)
		}
	}
	news, err := c.NewQuizzes(context.Background(), seed.CourseID)
	if err != nil || len(news) != 1 || !news[0].New || news[0].Title != "New final" || news[0].AccessCode != nil {
		t.Fatalf("NewQuizzes = %+v, %v", news, err)
	}
	q, err := c.SetNewQuizAccessCode(context.Background(), seed.CourseID, nq.ID, "n3w-code")
	if err != nil || q.AccessCode == nil || *q.AccessCode != "n3w-code" {
		t.Fatalf("set: %+v, %v", q, err)
	}
	if got, _ := p.Quiz(seed.CourseID, nq.ID); got.AccessCode != "n3w-code" {
		t.Fatalf("Canvas holds %q", got.AccessCode)
	}
	if _, err := c.SetNewQuizAccessCode(context.Background(), seed.CourseID, nq.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Quiz(seed.CourseID, nq.ID); got.AccessCode != "" {
		t.Fatalf("cleared code still %q", got.AccessCode)
	}
	var ce *canvas.Error
	if _, err := c.SetNewQuizAccessCode(context.Background(), seed.CourseID, seed.QuizIDs[0], "x"); !errors.As(err, &ce) || ce.Status != 404 {
		t.Fatalf("a Classic Quiz through the New Quizzes API: %v", err)
	}
}
