package canvas_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/canvas"
)

// canvasAnswers answers every request with what the fuzzer chose and
// counts them.
type canvasAnswers struct {
	status          int
	body            []byte
	link, remaining string
	calls           atomic.Int32
}

func (a *canvasAnswers) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	a.calls.Add(1)
	w.Header().Set("Link", a.link)
	w.Header().Set("X-Rate-Limit-Remaining", a.remaining)
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// FuzzCanvasAnswers plays a Canvas whose quiz list answers anything. Vigil
// must return a *canvas.Error with words for the instructor, or exactly
// the quizzes each page listed, following at most 50 pages and retrying a
// throttled request at most Retries times.
func FuzzCanvasAnswers(f *testing.F) {
	f.Add(200, []byte(`[{"id": 1, "title": "Quiz 1", "quiz_type": "assignment", "published": true, "access_code": null, "html_url": "https://c/q/1", "due_at": "2026-03-01T09:00:00Z"}]`), "", "700")
	f.Add(200, []byte(`[{"id": 2, "title": "Quiz 2", "access_code": "secret"}]`), `<https://canvas.example.edu/api/v1/courses/1/quizzes?page=2>; rel="next"`, "50")
	f.Add(403, []byte(`403 Forbidden (Rate Limit Exceeded)`), "", "0")
	f.Add(401, []byte(`{"errors": [{"message": "Invalid access token."}]}`), "", "")
	f.Add(400, []byte(`{"errors": {"access_code": ["is too long"]}}`), "", "")
	f.Add(404, []byte(`{"message": "The specified resource does not exist."}`), "", "")
	f.Add(200, []byte(`{"not": "a list"}`), "", "")
	f.Add(200, []byte(`[{"id": 3, "due_at": "not a time"}]`), "", "")
	a := &canvasAnswers{}
	srv := httptest.NewServer(a)
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, status int, body []byte, link, remaining string) {
		a.status, a.body, a.link, a.remaining = answerStatus(status), body, link, remaining
		a.calls.Store(0)
		c := &canvas.Client{Base: srv.URL, HTTP: srv.Client(), Retries: 2,
			Token: func(context.Context) (string, error) { return "token", nil },
			Sleep: func(context.Context, time.Duration) error { return nil }}
		quizzes, err := c.Quizzes(context.Background(), "101")
		if n := a.calls.Load(); n > 50*3 {
			t.Fatalf("%d requests for one quiz list", n)
		}
		if err != nil {
			var ce *canvas.Error
			if !errors.As(err, &ce) || ce.Message == "" || (ce.RateLimited && a.status != http.StatusForbidden) {
				t.Fatalf("status %d: refusal %#v", a.status, err)
			}
			return
		}
		checkQuizPages(t, body, quizzes, int(a.calls.Load()))
	})
}

func checkQuizPages(t *testing.T, page []byte, quizzes []canvas.Quiz, pages int) {
	t.Helper()
	var one []canvas.Quiz
	if err := json.Unmarshal(page, &one); err != nil {
		t.Fatalf("a quiz page that is not the JSON expected was accepted: %v", err)
	}
	var want []canvas.Quiz
	for range pages {
		want = append(want, one...)
	}
	if !reflect.DeepEqual(quizzes, want) {
		t.Fatalf("quizzes %+v; the %d pages listed %+v", quizzes, pages, want)
	}
}

// answerStatus makes any number a status an HTTP server can send (200 to
// 599; informational answers are not final ones).
func answerStatus(n int) int {
	if n >= 200 && n <= 599 {
		return n
	}
	if n < 0 {
		n = -(n + 1)
	}
	return 200 + n%400
}
