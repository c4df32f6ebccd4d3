package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"vigil/internal/auth"
	"vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// autopostView is a page that posts a signed message to the platform.
type autopostView struct {
	Heading, Action string
	Fields          map[string]string
	// Hints say what probably went wrong should the LMS answer with an
	// error (a deep linking return whose key set fetch the LMS blocked).
	Hints []string
	// KeySet is Vigil's key set URL, named in the hints.
	KeySet string
}

// renderAutopost shows a form that posts itself to another site (the
// platform), which the page's policy must then allow.
func (s *Server) renderAutopost(w http.ResponseWriter, r *http.Request, v autopostView) {
	w.Header().Set("Content-Security-Policy", s.csp(r, origin(v.Action)))
	s.renderLTI(w, r, "lti_autopost", v.Heading, v)
}

type deepLinkView struct {
	Course *proctor.Course
	Exams  []store.ExamSummary
	K      string
	// Assessed is the exam of the LMS assessment the request was made
	// from, when it has one: the only exam it may place.
	Assessed *store.ExamSummary
	// What probably went wrong should the LMS refuse the return: the
	// browser's Back from its error lands here (see autopostView).
	Hints  []string
	KeySet string
}

// deepLinkForm lets an instructor choose the exam to place in the course.
func (s *Server) deepLinkForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	courseID := parseID(r.URL.Query().Get("course"))
	p, err := s.Review.Course(r.Context(), v.actor(r), courseID)
	if err == nil {
		err = s.Review.AuthorizeCourseChange(r.Context(), v.actor(r), courseID)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	view := deepLinkView{Course: p.Course, Exams: p.Exams, K: r.URL.Query().Get("k")}
	if hints := lms.ReachHints(s.BaseURL, ""); len(hints) > 0 {
		view.Hints, view.KeySet = hints, strings.TrimRight(s.BaseURL, "/")+"/lti/jwks"
	}
	if id := parseID(r.URL.Query().Get("exam")); id != 0 {
		for i := range p.Exams {
			if p.Exams[i].ID == id {
				view.Assessed = &p.Exams[i]
			}
		}
	}
	s.render(w, r, http.StatusOK, "lti_deeplink", page{Title: "Add a proctored exam", User: v.User, CSRF: v.CSRF, Data: view})
}

// deepLink answers the platform's deep linking request with the chosen exam.
func (s *Server) deepLink(w http.ResponseWriter, r *http.Request, v *viewer) {
	courseID := parseID(r.PostFormValue("course"))
	p, err := s.Review.Course(r.Context(), v.actor(r), courseID)
	if err == nil {
		err = s.Review.AuthorizeCourseChange(r.Context(), v.actor(r), courseID)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l, _, err := s.LTI.LMS.TakeLaunch(r.Context(), r.PostFormValue("k"))
	if err != nil || l.DeepLinking == nil {
		s.pageError(w, r, proctor.E(proctor.CodeUnauthenticated, "this request to add an exam has expired: start again from the LMS"))
		return
	}
	choice := lms.Placement{Dashboard: r.PostFormValue("dashboard") != "", ExamID: parseID(r.PostFormValue("exam")),
		Title: r.PostFormValue("title"), Suffix: r.PostFormValue("plain") == ""}
	returnURL, jwt, err := s.LTI.LMS.DeepLink(r.Context(), lms.As(v.User, remoteIP(r)), p.Course, l, choice)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	heading := "Adding the exam to your course…"
	if choice.Dashboard {
		heading = "Adding the dashboard to your course…"
	}
	s.renderAutopost(w, r, autopostView{Heading: heading, Action: returnURL, Fields: map[string]string{"JWT": jwt},
		Hints: s.LTI.LMS.DeepLinkHints(r.Context(), l), KeySet: strings.TrimRight(s.BaseURL, "/") + "/lti/jwks"})
}

// proctoringStatus tells an LTI Proctoring launch page whether the
// recording has started.
func (s *Server) proctoringStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.LTI.LMS.Proctoring(r.Context(), parseID(r.PathValue("id")), r.URL.Query().Get("k"))
	if err != nil {
		s.apiError(w, r, notFoundIfStore(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ready": st.Ready, "started": st.Started})
}

// proctoringStart posts LtiStartAssessment to the platform once the
// recording has started.
func (s *Server) proctoringStart(w http.ResponseWriter, r *http.Request) {
	target, jwt, err := s.LTI.LMS.StartAssessment(r.Context(), parseID(r.PathValue("id")), r.URL.Query().Get("k"))
	if err != nil {
		s.pageError(w, r, notFoundIfStore(err))
		return
	}
	s.renderAutopost(w, r, autopostView{Heading: "Opening your exam…", Action: target, Fields: map[string]string{"JWT": jwt}})
}

func notFoundIfStore(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return proctor.E(proctor.CodeNotFound, "no such proctored attempt")
	}
	return err
}

// apiAccessCode reveals the exam's hidden quiz access code to its live
// proctored session: the capture client shows it with a copy button, or,
// when the exam requires the browser extension, the extension fills it
// into the quiz and the student never sees it.
func (s *Server) apiAccessCode(w http.ResponseWriter, r *http.Request, sess *proctor.Session, source string) {
	if s.LTI == nil {
		s.apiError(w, r, proctor.E(proctor.CodeNotFound, "this exam has no access code"))
		return
	}
	code, err := s.LTI.LMS.AccessCodeFor(r.Context(), sess, source)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"access_code": code})
}

// requestCourse records an instructor's request to enable a course.
func (s *Server) requestCourse(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := parseID(r.PathValue("id"))
	if _, err := s.LTI.LMS.RequestCourse(r.Context(), lms.As(v.User, remoteIP(r)), id, r.PostFormValue("note")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/courses/%d?requested=1", id), http.StatusSeeOther)
}

// proctorQuiz proctors a Canvas quiz of the course.
func (s *Server) proctorQuiz(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := parseID(r.PathValue("id"))
	if err := s.Review.AuthorizeCourseChange(r.Context(), v.actor(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	exam, err := s.LTI.LMS.ProctorQuiz(r.Context(), lms.As(v.User, remoteIP(r)), id, r.PathValue("quiz"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/exams/%d/settings", exam.ID), http.StatusSeeOther)
}

const canvasStateCookie = "vigil_canvas_state"

// canvasConnect sends an instructor to authorise Vigil on Canvas.
func (s *Server) canvasConnect(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := parseID(r.URL.Query().Get("course"))
	if err := s.Review.AuthorizeCourseChange(r.Context(), v.actor(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	state, _ := auth.NewToken()
	u, err := s.LTI.LMS.CanvasAuthorizeURL(r.Context(), id, s.canvasRedirect(), state)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: canvasStateCookie, Value: state + ":" + strconv.FormatInt(id, 10), Path: "/canvas/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, u, http.StatusFound)
}

func (s *Server) canvasRedirect() string {
	return strings.TrimRight(s.BaseURL, "/") + "/canvas/callback"
}

// canvasCallback keeps the token Canvas grants and returns to the course.
func (s *Server) canvasCallback(w http.ResponseWriter, r *http.Request, v *viewer) {
	c, err := r.Cookie(canvasStateCookie)
	state, course, _ := strings.Cut(valueOr(c, err), ":")
	if err != nil || !sameSecret(r.URL.Query().Get("state"), state) {
		s.pageError(w, r, proctor.E(proctor.CodeForbidden, "this Canvas authorisation did not start here: try again from the course"))
		return
	}
	id := parseID(course)
	if err := s.Review.AuthorizeCourseChange(r.Context(), v.actor(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.LTI.LMS.CanvasAuthorized(r.Context(), v.User, id, s.canvasRedirect(), r.URL.Query().Get("code")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/courses/%d", id), http.StatusSeeOther)
}

func valueOr(c *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return c.Value
}

// lmsControl sends an instructor's Assessment Control request (flag or
// terminate the attempt in the LMS).
func (s *Server) lmsControl(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := parseID(r.PathValue("id"))
	if _, err := s.Review.AuthorizeSessionChange(r.Context(), v.actor(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	status, err := s.LTI.LMS.Control(r.Context(), lms.As(v.User, remoteIP(r)), id, r.PostFormValue("action"), r.PostFormValue("note"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sessions/%d?lms=%s", id, status), http.StatusSeeOther)
}
