package canvas_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"vigil/internal/canvas"
	"vigil/internal/fuzzhttp"
)

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
	a := &fuzzhttp.Answer{}
	srv := httptest.NewServer(a)
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, status int, body []byte, link, remaining string) {
		a.Set(status, http.Header{"Link": {link}, "X-Rate-Limit-Remaining": {remaining}}, body)
		c := &canvas.Client{Base: srv.URL, HTTP: srv.Client(), Retries: 2,
			Token: func(context.Context) (string, error) { return "token", nil },
			Sleep: func(context.Context, time.Duration) error { return nil }}
		quizzes, err := c.Quizzes(context.Background(), "101")
		if n := a.Calls(); n > 50*3 {
			t.Fatalf("%d requests for one quiz list", n)
		}
		if err != nil {
			var ce *canvas.Error
			if !errors.As(err, &ce) || ce.Message == "" || (ce.RateLimited && a.StatusSent() != http.StatusForbidden) {
				t.Fatalf("status %d: refusal %#v", a.StatusSent(), err)
			}
			return
		}
		var page []canvas.Quiz
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("a quiz page that is not the JSON expected was accepted: %v", err)
		}
		fuzzhttp.Pages(t, quizzes, page, a.Calls())
	})
}
