package lms

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vigil/internal/canvas"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// ErrCanvasAuthorization: the instructor must first authorise Vigil on
// Canvas (the platform has a developer key, not an API token).
var ErrCanvasAuthorization = errors.New("lms: authorise Vigil on Canvas first")

// CanvasQuiz is a quiz of the course in Canvas and the exam proctoring it.
type CanvasQuiz struct {
	canvas.Quiz
	Exam    *proctor.Exam // nil: not proctored
	CodeSet bool
}

// Key names the quiz in Vigil: a Classic Quiz by its id, a New Quiz by
// "n" and its assignment's id (the two are numbered apart in Canvas).
func (q CanvasQuiz) Key() string { return canvasQuizKey(q.Quiz) }

func canvasQuizKey(q canvas.Quiz) string {
	id := strconv.FormatInt(q.ID, 10)
	if q.New {
		return newQuizPrefix + id
	}
	return id
}

// newQuizPrefix marks a New Quiz's key.
const newQuizPrefix = "n"

// parseQuizKey reads a quiz key: the Canvas id and whether it is a New
// Quiz; ok false for anything else.
func parseQuizKey(key string) (id string, isNew, ok bool) {
	if rest, found := strings.CutPrefix(key, newQuizPrefix); found {
		return rest, true, canvasID(rest)
	}
	return key, false, canvasID(key)
}

// QuizList is what the course dashboard shows of Canvas.
type QuizList struct {
	Quizzes            []CanvasQuiz
	NeedsAuthorization bool
	Error              string // Canvas's refusal, for the instructor
}

// canvasCourse returns the Canvas course and platform of a Vigil course,
// or ok false when the course does not come from a Canvas with API access.
func (s *Service) canvasCourse(ctx context.Context, courseID int64) (*proctor.Platform, *proctor.LTIContext, bool, error) {
	x, err := s.Store.GetLTIContext(ctx, courseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	p, err := s.Store.GetPlatform(ctx, x.PlatformID)
	if err != nil {
		return nil, nil, false, err
	}
	return p, x, p.CanvasURL != "" && x.LMSCourseID != "", nil
}

// canvasClient calls Canvas with the platform's API token, or with the
// user's own OAuth2 token (refreshed when it expires).
func (s *Service) canvasClient(p *proctor.Platform, u *proctor.User) *canvas.Client {
	token := func(ctx context.Context) (string, error) {
		if p.CanvasToken != "" {
			return p.CanvasToken, nil
		}
		t, err := s.Store.GetCanvasToken(ctx, p.ID, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return "", ErrCanvasAuthorization
		}
		if err != nil {
			return "", err
		}
		if s.Now().Before(t.ExpiresAt.Add(-30*time.Second)) || t.RefreshToken == "" {
			return t.AccessToken, nil
		}
		fresh, expires, err := canvas.Exchange(ctx, s.HTTP, p.CanvasURL, p.CanvasClientID, p.CanvasClientSecret, "", t.RefreshToken, true)
		if err != nil {
			return "", ErrCanvasAuthorization
		}
		t.AccessToken, t.ExpiresAt = fresh.AccessToken, expires
		return t.AccessToken, s.Store.SaveCanvasToken(ctx, t)
	}
	return &canvas.Client{Base: p.CanvasURL, Token: token, HTTP: s.HTTP, Retries: 3}
}

// CanvasQuizzes lists the course's Canvas quizzes (nil when the course is
// not a Canvas course with API access). Canvas's refusals are reported in
// the list, for the instructor to read, not as errors.
func (s *Service) CanvasQuizzes(ctx context.Context, u *proctor.User, courseID int64) (*QuizList, error) {
	p, x, ok, err := s.canvasCourse(ctx, courseID)
	if err != nil || !ok {
		return nil, err
	}
	list := &QuizList{}
	client := s.canvasClient(p, u)
	quizzes, err := client.Quizzes(ctx, x.LMSCourseID)
	if err == nil {
		// New Quizzes too, where the account has them (an account without
		// them answers with an error: its Classic Quizzes are still listed).
		if nq, nerr := client.NewQuizzes(ctx, x.LMSCourseID); nerr == nil {
			quizzes = append(quizzes, nq...)
		} else {
			s.Log.Info("canvas new quizzes not listed", "course", courseID, "err", nerr)
		}
	}
	switch {
	case errors.Is(err, ErrCanvasAuthorization):
		list.NeedsAuthorization = true
		return list, nil
	case err != nil:
		list.Error = err.Error()
		return list, nil
	}
	exams, codes, err := s.quizExams(ctx, courseID)
	if err != nil {
		return nil, err
	}
	for _, q := range quizzes {
		id := canvasQuizKey(q)
		cq := CanvasQuiz{Quiz: q, CodeSet: codes[id]}
		if examID, ok := exams[id]; ok {
			if cq.Exam, err = s.Store.GetExam(ctx, examID); err != nil {
				return nil, err
			}
		}
		list.Quizzes = append(list.Quizzes, cq)
	}
	return list, nil
}

// quizExams maps the course's Canvas quiz ids to their exams (the quiz
// reached Vigil one way or another), and says which quizzes have their
// access code hidden by Vigil.
func (s *Service) quizExams(ctx context.Context, courseID int64) (map[string]int64, map[string]bool, error) {
	names, err := s.Store.ListAssessments(ctx, courseID)
	if err != nil {
		return nil, nil, err
	}
	exams := map[string]int64{}
	for _, n := range names {
		if n.Kind == proctor.AssessmentCanvasQuiz {
			exams[n.ID] = n.ExamID
		}
	}
	linked, err := s.Store.ListLMSQuizzes(ctx, courseID)
	codes := map[string]bool{}
	for _, q := range linked {
		codes[q.QuizID] = q.AccessCode != "" && exams[q.QuizID] == q.ExamID
	}
	return exams, codes, err
}

// ProctorQuiz proctors a Canvas quiz: it sets a new hidden access code on
// the quiz in Canvas, then keeps it with the quiz's exam — the one the quiz
// already is (a proctoring launch or a deep link may have reached Vigil
// first), or a new one — which reveals it only inside a live proctored
// session.
func (s *Service) ProctorQuiz(ctx context.Context, who Who, courseID int64, quizID string) (*proctor.Exam, error) {
	u := who.User
	p, x, ok, err := s.canvasCourse(ctx, courseID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, proctor.E(proctor.CodeInvalid, "this course is not connected to Canvas")
	}
	canvasQuizID, isNew, ok := parseQuizKey(quizID)
	if !ok {
		return nil, proctor.E(proctor.CodeNotFound, "no such quiz")
	}
	if err := s.checkQuizFree(ctx, courseID, quizID); err != nil {
		return nil, err
	}
	code := accessCode()
	client := s.canvasClient(p, u)
	setCode := func(code string) (*canvas.Quiz, error) {
		if isNew {
			return client.SetNewQuizAccessCode(ctx, x.LMSCourseID, canvasQuizID, code)
		}
		return client.SetAccessCode(ctx, x.LMSCourseID, canvasQuizID, code)
	}
	quiz, err := setCode(code)
	if err != nil {
		return nil, err
	}
	var exam *proctor.Exam
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		exam, err = s.examFor(ctx, tx, courseID, canvasQuiz(quizID), func() *proctor.Exam {
			return &proctor.Exam{CourseID: courseID, Title: quiz.Title, Settings: proctor.DefaultSettings(), CreatedAt: s.Now()}
		})
		if err != nil {
			return err
		}
		// The same quiz proctored at the same moment by someone else: the
		// code set last in Canvas (this one) is the one kept.
		if err := s.quizCodeFree(ctx, tx, exam.ID, quizID, true); err != nil {
			return err
		}
		if err := tx.SaveLMSQuiz(ctx, &proctor.LMSQuiz{ExamID: exam.ID, QuizID: quizID, AccessCode: code, UpdatedAt: s.Now()}); err != nil {
			return err
		}
		return s.audit(ctx, tx, who, proctor.AuditQuizProctored, courseID, fmt.Sprintf("exam:%d", exam.ID), "Canvas quiz "+quizID)
	})
	if err != nil {
		// Without the exam nobody could reveal the code: take it off again.
		if _, undo := setCode(""); undo != nil {
			s.Log.Error("clear access code after failure", "course", courseID, "quiz", quizID, "err", undo)
		}
		return nil, err
	}
	return exam, nil
}

// checkQuizFree refuses, before Canvas is touched, a quiz whose exam hides
// its access code already.
func (s *Service) checkQuizFree(ctx context.Context, courseID int64, quizID string) error {
	exam, err := s.Store.ExamForAssessment(ctx, courseID, proctor.AssessmentKey{Kind: proctor.AssessmentCanvasQuiz, ID: quizID})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.quizCodeFree(ctx, s.Store, exam.ID, quizID, false)
}

// quizCodeFree: an exam keeps one quiz's access code; the same quiz's
// again is "proctored already" (unless replace), another quiz's would be
// lost.
func (s *Service) quizCodeFree(ctx context.Context, q interface {
	GetLMSQuiz(ctx context.Context, examID int64) (*proctor.LMSQuiz, error)
}, examID int64, quizID string, replace bool) error {
	held, err := q.GetLMSQuiz(ctx, examID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && held.QuizID == quizID && (held.AccessCode == "" || replace)):
		return nil
	case err != nil:
		return err
	case held.QuizID == quizID:
		return proctor.E(proctor.CodeConflict, "this quiz is proctored already")
	}
	return proctor.E(proctor.CodeConflict, "this quiz's exam hides the access code of Canvas quiz %s already", held.QuizID)
}

// accessCode is a fresh code a student cannot guess and can type.
func accessCode() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// AccessCode reveals an exam's hidden access code (or its quiz password) to
// a live proctored session whose recording is healthy (see QuizGate): the
// browser extension asks for it to fill it into the quiz.
func (s *Service) AccessCode(ctx context.Context, sess *proctor.Session) (string, error) {
	g, err := s.QuizGate(ctx, sess)
	if err != nil {
		return "", err
	}
	if !sess.ResumableAt(s.Now()) {
		return "", proctor.E(proctor.CodeSessionClosed, "this session is %s", sess.State.Label())
	}
	if !g.Shown {
		return "", proctor.E(proctor.CodeConflict, "the access code is shown only while the recording runs: %s", g.Reason)
	}
	return g.Secret, nil
}

// CanvasAuthorizeURL is where an instructor authorises Vigil on the Canvas
// of a course (the platform's developer key).
func (s *Service) CanvasAuthorizeURL(ctx context.Context, courseID int64, redirectURI, state string) (string, error) {
	p, _, ok, err := s.canvasCourse(ctx, courseID)
	if err != nil {
		return "", err
	}
	if !ok || p.CanvasClientID == "" {
		return "", proctor.E(proctor.CodeInvalid, "this course's Canvas has no developer key registered with Vigil")
	}
	return canvas.AuthorizeURL(p.CanvasURL, p.CanvasClientID, redirectURI, state), nil
}

// CanvasAuthorized keeps the token Canvas gives for an authorisation code.
func (s *Service) CanvasAuthorized(ctx context.Context, u *proctor.User, courseID int64, redirectURI, code string) error {
	p, _, ok, err := s.canvasCourse(ctx, courseID)
	if err != nil {
		return err
	}
	if !ok || p.CanvasClientID == "" {
		return proctor.E(proctor.CodeInvalid, "this course's Canvas has no developer key registered with Vigil")
	}
	t, expires, err := canvas.Exchange(ctx, s.HTTP, p.CanvasURL, p.CanvasClientID, p.CanvasClientSecret, redirectURI, code, false)
	if err != nil {
		return err
	}
	return s.Store.SaveCanvasToken(ctx, &proctor.CanvasToken{PlatformID: p.ID, UserID: u.ID, AccessToken: t.AccessToken,
		RefreshToken: t.RefreshToken, ExpiresAt: expires})
}
