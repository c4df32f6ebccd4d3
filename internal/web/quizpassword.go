package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/store"
)

// The quiz password (docs/MOODLE.md, "Gate the quiz"): the instructor makes
// it on the exam's settings page and pastes it into the LMS's quiz; the
// student's proctoring window shows it only while the recording is healthy.

// quizGateView is the settings page's quiz password block.
type quizGateView struct {
	Enabled    bool // the server has an LMS side
	CanChange  bool // instructors see the password and change it
	Password   *proctor.QuizPassword
	CanvasQuiz bool // the exam proctors a Canvas quiz with an access code Vigil set
}

// quizGate fills the settings page's block; reviewers learn only whether a
// password is set.
func (s *Server) quizGate(r *http.Request, v *viewer, exam *proctor.Exam) quizGateView {
	g := quizGateView{Enabled: s.LTI != nil}
	if s.LTI == nil {
		return g
	}
	g.CanChange = s.Review.AuthorizeCourseChange(r.Context(), v.actor(r), exam.CourseID) == nil
	if qp, err := s.LTI.LMS.QuizPassword(r.Context(), exam.ID); err == nil {
		g.Password = qp
		if !g.CanChange {
			g.Password = &proctor.QuizPassword{ExamID: qp.ExamID, CreatedAt: qp.CreatedAt}
		}
	}
	g.CanvasQuiz = s.LTI.LMS.HasCanvasAccessCode(r.Context(), exam.ID)
	return g
}

// quizPassword makes, rotates or removes an exam's quiz password.
func (s *Server) quizPassword(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	if err == nil {
		var sp *review.SettingsPage
		if sp, err = s.Review.ExamSettings(r.Context(), v.actor(r), id); err == nil {
			err = s.Review.AuthorizeCourseChange(r.Context(), v.actor(r), sp.Exam.CourseID)
		}
	}
	if err == nil && s.LTI == nil {
		err = proctor.E(proctor.CodeNotFound, "not found")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	who := lms.As(v.User, remoteIP(r))
	msg := "The quiz password is removed: remove it from the LMS's quiz too, or students cannot open it."
	if r.PostFormValue("action") == "remove" {
		err = s.LTI.LMS.RemoveQuizPassword(r.Context(), who, id)
	} else {
		_, err = s.LTI.LMS.MakeQuizPassword(r.Context(), who, id)
		msg = "A new quiz password is made: paste it into the LMS's quiz now (the old one no longer opens it through Vigil)."
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/exams/%d/settings?done=%s#quiz-password", id, url.QueryEscape(msg)), http.StatusSeeOther)
}

// apiQuizPassword tells the proctoring window whether it may show the
// quiz password now, and what it is.
func (s *Server) apiQuizPassword(w http.ResponseWriter, r *http.Request, sess *proctor.Session, source string) {
	if s.LTI == nil {
		s.apiError(w, r, proctor.E(proctor.CodeNotFound, "this exam has no quiz password"))
		return
	}
	g, err := s.LTI.LMS.QuizGate(r.Context(), sess)
	if errors.Is(err, store.ErrNotFound) {
		err = proctor.E(proctor.CodeNotFound, "no such session")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if g.FilledByExtension {
		writeJSON(w, http.StatusOK, map[string]any{"kind": g.Kind, "shown": false, "filled_by_extension": true})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	body := map[string]any{"kind": g.Kind, "shown": g.Shown}
	if g.Shown {
		body["password"] = g.Secret
	} else {
		body["reason"] = g.Reason
	}
	writeJSON(w, http.StatusOK, body)
}
