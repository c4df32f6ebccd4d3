package devlms

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Canvas's pagination defaults for list endpoints.
const (
	defaultPerPage = 10
	maxPerPage     = 100
)

// canvasError is Canvas's error body, its fields in Canvas's order.
type canvasError struct {
	Status string          `json:"status,omitempty"`
	Errors []canvasMessage `json:"errors"`
}

type canvasMessage struct {
	Message string `json:"message"`
}

func newCanvasError(status, message string) canvasError {
	return canvasError{Status: status, Errors: []canvasMessage{{message}}}
}

// Canvas's error bodies, word for word.
var (
	errInvalidToken     = newCanvasError("", "Invalid access token.")
	errUnauthenticated  = newCanvasError("unauthenticated", "user authorization required")
	errUnauthorized     = newCanvasError("unauthorized", "user not authorized to perform that action")
	errResourceNotFound = newCanvasError("", "The specified resource does not exist.")
)

// apiHandler is a REST API endpoint, called with the token's user.
type apiHandler func(w http.ResponseWriter, r *http.Request, user *User)

// canvasAPI authenticates and throttles a REST API request like Canvas.
func (p *Platform) canvasAPI(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, token, given := p.apiUser(r)
		if !given {
			setThrottleHeaders(w, 0, p.rateLimit)
			writeJSON(w, http.StatusUnauthorized, "application/json", errUnauthenticated)
			return
		}
		if user == nil {
			setThrottleHeaders(w, 0, p.rateLimit)
			w.Header().Set("WWW-Authenticate", `Bearer realm="canvas-lms"`)
			writeJSON(w, http.StatusUnauthorized, "application/json", errInvalidToken)
			return
		}
		cost, remaining, ok := p.throttle(token)
		setThrottleHeaders(w, cost, remaining)
		if !ok {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "403 Forbidden (Rate Limit Exceeded)")
			return
		}
		h(w, r, user)
	}
}

// courseAccess loads a course's quizzes as the user may see them. It
// answers the error itself and returns ok false when the user may not.
func (p *Platform) courseAccess(w http.ResponseWriter, courseID string, user *User) (quizzes []Quiz, teacher, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state.course(courseID) == nil {
		writeJSON(w, http.StatusNotFound, "application/json", errResourceNotFound)
		return nil, false, false
	}
	teacher = p.state.isTeacher(courseID, user.ID)
	if !teacher && p.state.roles(courseID, user.ID) == nil {
		writeJSON(w, http.StatusUnauthorized, "application/json", errUnauthorized)
		return nil, false, false
	}
	for _, q := range p.state.quizzes[courseID] {
		quizzes = append(quizzes, *q)
	}
	return quizzes, teacher, true
}

// handleListQuizzes is GET /api/v1/courses/:course_id/quizzes.
func (p *Platform) handleListQuizzes(w http.ResponseWriter, r *http.Request, user *User) {
	courseID := r.PathValue("course_id")
	quizzes, teacher, ok := p.courseAccess(w, courseID, user)
	if !ok {
		return
	}
	visible := []map[string]any{}
	for _, q := range quizzes {
		if (teacher || q.Published) && !q.New {
			visible = append(visible, p.quizJSON(courseID, q, teacher))
		}
	}
	perPage := queryInt(r, "per_page", defaultPerPage, 1)
	perPage = min(perPage, maxPerPage)
	page := queryInt(r, "page", 1, 1)
	last := max(1, (len(visible)+perPage-1)/perPage)
	w.Header().Set("Link", p.paginationLinks(r.URL.Path, page, perPage, last))
	start := min((page-1)*perPage, len(visible))
	end := min(start+perPage, len(visible))
	writeJSON(w, http.StatusOK, "application/json", visible[start:end])
}

// paginationLinks builds Canvas's Link header: current, next, prev, first
// and last.
func (p *Platform) paginationLinks(path string, page, perPage, last int) string {
	link := func(n int, rel string) string {
		return fmt.Sprintf(`<%s%s?page=%d&per_page=%d>; rel="%s"`, p.base(), path, n, perPage, rel)
	}
	links := []string{link(page, "current")}
	if page < last {
		links = append(links, link(page+1, "next"))
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	links = append(links, link(1, "first"), link(last, "last"))
	return strings.Join(links, ",")
}

// handleGetQuiz is GET /api/v1/courses/:course_id/quizzes/:id.
func (p *Platform) handleGetQuiz(w http.ResponseWriter, r *http.Request, user *User) {
	courseID := r.PathValue("course_id")
	quizzes, teacher, ok := p.courseAccess(w, courseID, user)
	if !ok {
		return
	}
	for _, q := range quizzes {
		if q.ID != r.PathValue("id") || q.New {
			continue
		}
		if !teacher && !q.Published {
			writeJSON(w, http.StatusUnauthorized, "application/json", errUnauthorized)
			return
		}
		writeJSON(w, http.StatusOK, "application/json", p.quizJSON(courseID, q, teacher))
		return
	}
	writeJSON(w, http.StatusNotFound, "application/json", errResourceNotFound)
}

// handleUpdateQuiz is PUT /api/v1/courses/:course_id/quizzes/:id, for
// teachers: it sets quiz[access_code] ("" or null clears it) and
// quiz[published], from JSON or a form.
func (p *Platform) handleUpdateQuiz(w http.ResponseWriter, r *http.Request, user *User) {
	courseID, quizID := r.PathValue("course_id"), r.PathValue("id")
	if _, teacher, ok := p.courseAccess(w, courseID, user); !ok {
		return
	} else if !teacher {
		writeJSON(w, http.StatusUnauthorized, "application/json", errUnauthorized)
		return
	}
	update, err := readQuizUpdate(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "application/json", newCanvasError("", err.Error()))
		return
	}
	p.mu.Lock()
	q := p.state.quiz(courseID, quizID)
	if q != nil && q.New {
		q = nil // a New Quiz is not a Classic Quiz
	}
	if q != nil {
		if update.accessCode != nil {
			q.AccessCode = *update.accessCode
		}
		if update.published != nil {
			q.Published = *update.published
		}
	}
	var updated Quiz
	if q != nil {
		updated = *q
	}
	p.mu.Unlock()
	if q == nil {
		writeJSON(w, http.StatusNotFound, "application/json", errResourceNotFound)
		return
	}
	writeJSON(w, http.StatusOK, "application/json", p.quizJSON(courseID, updated, true))
}

// quizUpdate holds the fields a PUT sets; nil means unchanged.
type quizUpdate struct {
	accessCode *string
	published  *bool
}

func readQuizUpdate(r *http.Request) (quizUpdate, error) {
	var u quizUpdate
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var body struct {
			Quiz map[string]json.RawMessage `json:"quiz"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
			return u, fmt.Errorf("the body is not JSON: %v", err)
		}
		if raw, ok := body.Quiz["access_code"]; ok {
			var code *string // null clears the code
			if err := json.Unmarshal(raw, &code); err != nil {
				return u, fmt.Errorf("quiz[access_code] must be a string")
			}
			u.accessCode = new(string)
			if code != nil {
				*u.accessCode = *code
			}
		}
		if raw, ok := body.Quiz["published"]; ok {
			u.published = new(bool)
			if err := json.Unmarshal(raw, u.published); err != nil {
				return u, fmt.Errorf("quiz[published] must be a boolean")
			}
		}
		return u, nil
	}
	if err := r.ParseForm(); err != nil {
		return u, err
	}
	if vs, ok := r.PostForm["quiz[access_code]"]; ok {
		u.accessCode = &vs[0]
	}
	if vs, ok := r.PostForm["quiz[published]"]; ok {
		published, err := strconv.ParseBool(vs[0])
		if err != nil {
			return u, fmt.Errorf("quiz[published] must be true or false")
		}
		u.published = &published
	}
	return u, nil
}

// quizJSON renders a quiz as Canvas's Quiz object; access_code only for
// those who may manage the course.
func (p *Platform) quizJSON(courseID string, q Quiz, teacher bool) map[string]any {
	m := map[string]any{
		"id":        canvasID(q.ID),
		"title":     q.Title,
		"quiz_type": "assignment",
		"published": q.Published,
		"html_url":  p.base() + "/courses/" + courseID + "/quizzes/" + q.ID,
		"due_at":    nil,
	}
	if !q.DueAt.IsZero() {
		m["due_at"] = q.DueAt.UTC().Format(time.RFC3339)
	}
	if teacher {
		m["access_code"] = nil
		if q.AccessCode != "" {
			m["access_code"] = q.AccessCode
		}
	}
	return m
}

// queryInt reads a positive integer query parameter, falling back to def
// when it is absent, malformed or below least.
func queryInt(r *http.Request, name string, def, least int) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < least {
		return def
	}
	return n
}

// The New Quizzes API (/api/quiz/v1): a New Quiz's id is its assignment's;
// its student access code is in quiz_settings.

// newQuizJSON renders a New Quiz as the New Quizzes API's NewQuiz object;
// quiz_settings only for those who may manage the course.
func (p *Platform) newQuizJSON(q Quiz, teacher bool) map[string]any {
	m := map[string]any{"id": q.ID, "title": q.Title, "published": q.Published, "due_at": nil, "quiz_settings": nil,
		"grading_type": "points"}
	if !q.DueAt.IsZero() {
		m["due_at"] = q.DueAt.UTC().Format(time.RFC3339)
	}
	if teacher {
		m["quiz_settings"] = map[string]any{"require_student_access_code": q.AccessCode != "", "student_access_code": q.AccessCode}
	}
	return m
}

// handleListNewQuizzes is GET /api/quiz/v1/courses/:course_id/quizzes.
func (p *Platform) handleListNewQuizzes(w http.ResponseWriter, r *http.Request, user *User) {
	quizzes, teacher, ok := p.courseAccess(w, r.PathValue("course_id"), user)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, q := range quizzes {
		if q.New && (teacher || q.Published) {
			out = append(out, p.newQuizJSON(q, teacher))
		}
	}
	writeJSON(w, http.StatusOK, "application/json", out)
}

// handleUpdateNewQuiz is PATCH /api/quiz/v1/courses/:course_id/quizzes/:assignment_id,
// for teachers: quiz[quiz_settings][require_student_access_code] and
// [student_access_code], as JSON.
func (p *Platform) handleUpdateNewQuiz(w http.ResponseWriter, r *http.Request, user *User) {
	courseID, id := r.PathValue("course_id"), r.PathValue("assignment_id")
	if _, teacher, ok := p.courseAccess(w, courseID, user); !ok {
		return
	} else if !teacher {
		writeJSON(w, http.StatusUnauthorized, "application/json", errUnauthorized)
		return
	}
	var body struct {
		Quiz struct {
			Settings *struct {
				Require *bool   `json:"require_student_access_code"`
				Code    *string `json:"student_access_code"`
			} `json:"quiz_settings"`
		} `json:"quiz"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, "application/json", newCanvasError("", "the body is not JSON"))
		return
	}
	p.mu.Lock()
	q := p.state.quiz(courseID, id)
	if q != nil && !q.New {
		q = nil
	}
	var updated Quiz
	if q != nil {
		if st := body.Quiz.Settings; st != nil {
			switch {
			case st.Require != nil && !*st.Require:
				q.AccessCode = ""
			case st.Code != nil:
				q.AccessCode = *st.Code
			}
		}
		updated = *q
	}
	p.mu.Unlock()
	if q == nil {
		writeJSON(w, http.StatusNotFound, "application/json", errResourceNotFound)
		return
	}
	writeJSON(w, http.StatusOK, "application/json", p.newQuizJSON(updated, true))
}
