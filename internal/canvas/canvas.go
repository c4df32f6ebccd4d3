// Package canvas is a small client of the Canvas LMS REST API: the Classic
// and New Quizzes of a course, and the access code Vigil sets on a
// proctored quiz (so the quiz opens only with the code revealed inside a
// live session).
// It handles Canvas's pagination, its throttling and its error bodies.
package canvas

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Client calls one Canvas instance with a bearer token.
type Client struct {
	// Base is the instance's address, e.g. https://college.instructure.com.
	Base string
	// Token returns the bearer token to use (an API token, or an
	// instructor's OAuth2 token, refreshed as needed).
	Token func(ctx context.Context) (string, error)
	HTTP  *http.Client
	// Retries is how often a throttled request is tried again.
	Retries int
	// Sleep waits between tries (tests make it instant).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Quiz is a Classic Quiz as Canvas describes it (the fields Vigil uses).
type Quiz struct {
	ID         int64      `json:"id"`
	Title      string     `json:"title"`
	QuizType   string     `json:"quiz_type"`
	Published  bool       `json:"published"`
	AccessCode *string    `json:"access_code"`
	HTMLURL    string     `json:"html_url"`
	DueAt      *time.Time `json:"due_at"`
	// New: a New Quiz (its ID is its assignment's id), not a Classic Quiz.
	New bool `json:"-"`
}

// newQuiz is a New Quiz as the New Quizzes API describes it.
type newQuiz struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Published bool       `json:"published"`
	DueAt     *time.Time `json:"due_at"`
	Settings  *struct {
		RequireCode bool   `json:"require_student_access_code"`
		Code        string `json:"student_access_code"`
	} `json:"quiz_settings"`
}

func (n newQuiz) quiz() Quiz {
	id, _ := strconv.ParseInt(n.ID, 10, 64)
	q := Quiz{ID: id, Title: n.Title, Published: n.Published, DueAt: n.DueAt, New: true}
	if n.Settings != nil && n.Settings.RequireCode {
		code := n.Settings.Code
		q.AccessCode = &code
	}
	return q
}

// Error is a refusal from Canvas, with its message for the instructor.
type Error struct {
	Status      int
	Message     string
	RateLimited bool
}

func (e *Error) Error() string {
	if e.RateLimited {
		return "Canvas is throttling Vigil's requests (rate limit exceeded); try again in a minute"
	}
	return fmt.Sprintf("Canvas answered HTTP %d: %s", e.Status, e.Message)
}

// lowQuota is the remaining rate-limit quota below which Vigil slows down.
const lowQuota = 100

// maxPages bounds how many pages of a list are followed; maxBody bounds one answer.
const (
	maxPages = 50
	maxBody  = 8 << 20
)

// Quizzes lists a course's Classic Quizzes, every page.
func (c *Client) Quizzes(ctx context.Context, courseID string) ([]Quiz, error) {
	next := fmt.Sprintf("%s/api/v1/courses/%s/quizzes?per_page=100", strings.TrimRight(c.Base, "/"), url.PathEscape(courseID))
	var all []Quiz
	for page := 0; next != "" && page < maxPages; page++ {
		var quizzes []Quiz
		hdr, err := c.call(ctx, http.MethodGet, next, nil, &quizzes)
		if err != nil {
			return nil, err
		}
		all = append(all, quizzes...)
		next = nextPage(hdr.Get("Link"))
		// Canvas refills its bucket over time: when it runs low, pace the
		// next page rather than run into the 403.
		if q := RemainingQuota(hdr); next != "" && q >= 0 && q < lowQuota {
			if err := c.sleep(ctx, time.Second); err != nil {
				return nil, err
			}
		}
	}
	return all, nil
}

// NewQuizzes lists a course's New Quizzes (New Quizzes API), every page.
func (c *Client) NewQuizzes(ctx context.Context, courseID string) ([]Quiz, error) {
	next := fmt.Sprintf("%s/api/quiz/v1/courses/%s/quizzes", strings.TrimRight(c.Base, "/"), url.PathEscape(courseID))
	var all []Quiz
	for page := 0; next != "" && page < maxPages; page++ {
		var quizzes []newQuiz
		hdr, err := c.call(ctx, http.MethodGet, next, nil, &quizzes)
		if err != nil {
			return nil, err
		}
		for _, n := range quizzes {
			all = append(all, n.quiz())
		}
		next = nextPage(hdr.Get("Link"))
	}
	return all, nil
}

// SetNewQuizAccessCode sets (or, with "", clears) a New Quiz's student
// access code ("Require student access code" in its settings).
func (c *Client) SetNewQuizAccessCode(ctx context.Context, courseID, assignmentID, code string) (*Quiz, error) {
	u := fmt.Sprintf("%s/api/quiz/v1/courses/%s/quizzes/%s", strings.TrimRight(c.Base, "/"), url.PathEscape(courseID), url.PathEscape(assignmentID))
	body, _ := json.Marshal(map[string]any{"quiz": map[string]any{"quiz_settings": map[string]any{
		"require_student_access_code": code != "", "student_access_code": code}}})
	var n newQuiz
	if _, err := c.call(ctx, http.MethodPatch, u, body, &n); err != nil {
		return nil, err
	}
	q := n.quiz()
	return &q, nil
}

// SetAccessCode sets (or, with "", clears) a quiz's access code.
func (c *Client) SetAccessCode(ctx context.Context, courseID, quizID, code string) (*Quiz, error) {
	u := fmt.Sprintf("%s/api/v1/courses/%s/quizzes/%s", strings.TrimRight(c.Base, "/"), url.PathEscape(courseID), url.PathEscape(quizID))
	body, _ := json.Marshal(map[string]any{"quiz": map[string]any{"access_code": code}})
	var q Quiz
	if _, err := c.call(ctx, http.MethodPut, u, body, &q); err != nil {
		return nil, err
	}
	return &q, nil
}

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="next"`)

func nextPage(link string) string {
	if m := linkNext.FindStringSubmatch(link); m != nil {
		return m[1]
	}
	return ""
}

// call sends a request, trying again while Canvas throttles it.
func (c *Client) call(ctx context.Context, method, u string, body []byte, out any) (http.Header, error) {
	wait := time.Second
	for try := 0; ; try++ {
		hdr, err := c.once(ctx, method, u, body, out)
		var ce *Error
		if err == nil || !asError(err, &ce) || !ce.RateLimited || try >= c.Retries {
			return hdr, err
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait *= 2
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) once(ctx context.Context, method, u string, body []byte, out any) (http.Header, error) {
	token, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &Error{Message: "the Canvas address is not a URL"}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &Error{Message: "Canvas could not be reached: " + err.Error()}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, &Error{Status: res.StatusCode, Message: "reading Canvas's answer: " + err.Error()}
	}
	if res.StatusCode/100 != 2 {
		return nil, canvasError(res, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, &Error{Status: res.StatusCode, Message: "Canvas's answer is not the JSON expected"}
	}
	return res.Header, nil
}

// canvasError reads Canvas's error shapes: {"errors":[{"message":…}]},
// {"errors":{"field":[…]}}, {"message":…}, or the throttling text.
func canvasError(res *http.Response, data []byte) *Error {
	e := &Error{Status: res.StatusCode}
	text := strings.TrimSpace(string(data))
	if res.StatusCode == http.StatusForbidden && strings.Contains(text, "Rate Limit Exceeded") {
		e.RateLimited = true
		e.Message = "rate limit exceeded"
		return e
	}
	var body struct {
		Errors  json.RawMessage `json:"errors"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(data, &body) == nil {
		var list []struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body.Errors, &list) == nil && len(list) > 0 {
			e.Message = list[0].Message
		} else if len(body.Errors) > 0 {
			e.Message = string(body.Errors)
		} else {
			e.Message = body.Message
		}
	}
	if e.Message == "" {
		// A status outside the standard ones has no text; the instructor
		// still needs words, not an empty message.
		e.Message = cmp.Or(http.StatusText(res.StatusCode), "an answer Vigil does not understand")
	}
	return e
}

// RemainingQuota reads Canvas's X-Rate-Limit-Remaining header (-1 when absent).
func RemainingQuota(h http.Header) float64 {
	v, err := strconv.ParseFloat(h.Get("X-Rate-Limit-Remaining"), 64)
	if err != nil {
		return -1
	}
	return v
}
