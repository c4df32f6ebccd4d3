package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"vigil/internal/lms"
	"vigil/internal/lti"
	"vigil/internal/proctor"
)

// ltiProceed carries out a checked, bound launch and shows where it leads.
func (s *Server) ltiProceed(w http.ResponseWriter, r *http.Request, l *lti.Launch) {
	out, err := s.LTI.LMS.Complete(r.Context(), l)
	if err != nil {
		s.ltiRefused(w, r, err)
		return
	}
	s.Log.Info("lti launch", "id", requestID(r.Context()), "platform", l.PlatformID, "message", l.MessageType, "outcome", out.Kind.String())
	switch out.Kind {
	case lms.GoStudentExam:
		s.renderLTI(w, r, "lti_student", "Proctored exam", out)
	case lms.GoProctoring:
		s.renderLTI(w, r, "lti_proctoring", "Proctored exam", out)
	case lms.GoEndAssessment:
		s.renderLTI(w, r, "lti_info", "Assessment ended", infoView{Heading: "Your attempt has ended in the LMS",
			Message: "Go back to the Vigil proctoring window and press “Finish the exam”, so that what is still on your computer uploads."})
	case lms.GoInfo:
		s.renderLTI(w, r, "lti_info", "Vigil", infoView{Heading: "Vigil", Message: out.Message})
	default:
		s.ltiSignIn(w, r, out)
	}
}

// destination is the dashboard page a teacher's or administrator's launch
// opens.
func (s *Server) destination(r *http.Request, out *lms.Outcome) (string, error) {
	switch out.Kind {
	case lms.GoExam:
		return fmt.Sprintf("/exams/%d/sessions", out.Exam.ID), nil
	case lms.GoAdmin:
		return "/admin", nil
	case lms.GoCourses:
		return "/?all=1", nil
	case lms.GoDeepLink:
		k, err := s.LTI.LMS.HoldLaunch(r.Context(), "", out.Launch, time.Hour)
		next := fmt.Sprintf("/lti/deep-link?course=%d&k=%s", out.Course.ID, url.QueryEscape(k))
		if out.Exam != nil { // the assessment has its exam already
			next += fmt.Sprintf("&exam=%d", out.Exam.ID)
		}
		return next, err
	}
	return fmt.Sprintf("/courses/%d", out.Course.ID), nil
}

type continueView struct {
	Next, Handoff string
}

// ltiSignIn signs a teacher or administrator in (a cookie that works in
// the LMS's frame where the browser allows it) and leads on. Where the
// browser blocks the cookie in the frame, the page offers Vigil in a tab
// of its own through a one-time link.
func (s *Server) ltiSignIn(w http.ResponseWriter, r *http.Request, out *lms.Outcome) {
	next, err := s.destination(r, out)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tok, ws, err := s.Accounts.SignIn(r.Context(), out.User, remoteIP(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.SetCookie(w, s.crossSiteCookie(&http.Cookie{Name: sessionCookie, Value: tok, Path: "/", Expires: ws.ExpiresAt}))
	k, err := s.LTI.LMS.HoldHandoff(r.Context(), out.User.ID, next, 5*time.Minute)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderLTI(w, r, "lti_continue", "Opening Vigil…", continueView{Next: next, Handoff: "/lti/handoff/" + k})
}

// ltiCookieCheck tells the launch page whether the session cookie came
// back (it does not when the browser blocks third-party cookies).
func (s *Server) ltiCookieCheck(w http.ResponseWriter, r *http.Request) {
	if _, err := s.currentViewer(r); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ltiHandoffForm shows the one-time link's button (a GET must not use it
// up: link previews fetch pages).
// It works only when opened from Vigil's launch page (see fromOwnPage): a
// hand-off link mailed or linked by someone else must not sign this
// browser into their account.
func (s *Server) ltiHandoffForm(w http.ResponseWriter, r *http.Request) {
	if !s.fromOwnPage(r) {
		s.handoffElsewhere(w, r)
		return
	}
	s.renderLTI(w, r, "lti_handoff", "Open Vigil", r.PathValue("token"))
}

func (s *Server) handoffElsewhere(w http.ResponseWriter, r *http.Request) {
	s.pageError(w, r, proctor.E(proctor.CodeForbidden, "this link works only from the Vigil page in your course: open Vigil again from your course"))
}

// ltiHandoff signs the user in, in this first-party tab, from a one-time link.
func (s *Server) ltiHandoff(w http.ResponseWriter, r *http.Request) {
	if !s.fromOwnPage(r) {
		s.handoffElsewhere(w, r)
		return
	}
	u, next, err := s.LTI.LMS.TakeHandoff(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.startWebSession(w, r, u, safeNext(next))
}

type infoView struct {
	Heading, Message, Code string
	// RequestID is the id of the log line that says more (refusals).
	RequestID string
}

// ltiRefused shows why a launch was refused, and logs it without secrets.
func (s *Server) ltiRefused(w http.ResponseWriter, r *http.Request, err error) {
	var ref *lti.Refusal
	if !errors.As(err, &ref) {
		var pe *proctor.Error
		if errors.As(err, &pe) {
			s.pageError(w, r, err)
			return
		}
		s.serverError(w, r, err)
		return
	}
	s.Log.Warn("lti launch refused", "id", requestID(r.Context()), "code", ref.Code, "reason", ref.Message, "remote", remoteIP(r))
	status := http.StatusBadRequest
	switch ref.Code {
	case lti.CodeForbidden:
		status = http.StatusForbidden
	case lti.CodeTooManyLogins:
		status = http.StatusTooManyRequests
	}
	s.renderLTIStatus(w, r, status, "lti_info", "Vigil could not open", infoView{Heading: "Vigil could not open",
		Message: ref.Message + ".", Code: ref.Code, RequestID: requestID(r.Context())})
}

// ltiJWKS publishes Vigil's public keys.
func (s *Server) ltiJWKS(w http.ResponseWriter, r *http.Request) {
	data, err := s.LTI.Keys.JWKS(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(data)
}

// canvasConfig is the developer key configuration Canvas imports by URL.
func (s *Server) canvasConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, lti.CanvasConfig(s.BaseURL, "Vigil"))
}

// ltiTarget answers a browser that opens a launch address directly.
func (s *Server) ltiTarget(w http.ResponseWriter, r *http.Request) {
	s.renderLTI(w, r, "lti_info", "Vigil", infoView{Heading: "Open Vigil from your course",
		Message: "This address is where your LMS launches Vigil. Open Vigil from the course menu or the exam's link in your course."})
}

func parseID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// renderLTI renders an LTI page (no dashboard chrome needed: it may be in
// the LMS's frame).
func (s *Server) renderLTI(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	s.renderLTIStatus(w, r, http.StatusOK, name, title, data)
}

func (s *Server) renderLTIStatus(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	s.render(w, r, status, name, page{Title: title, Data: data})
}
