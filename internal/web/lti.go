package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"vigil/internal/lms"
	"vigil/internal/lti"
)

// LTI is what the LTI routes are built from; nil switches them off.
type LTI struct {
	Flow *lti.Flow
	Keys *lti.Keyring
	LMS  *lms.Service
}

// stateCookiePrefix names the cookie that ties a login to the browser
// that began it; each login has its own, so two launches in two tabs do
// not trip over each other.
const stateCookiePrefix = "vigil_lti_"

func stateCookieName(state string) string { return stateCookiePrefix + lti.HashState(state)[:16] }

// crossSiteCookie is how a cookie must be set to come back inside the
// LMS's frame or on the LMS's form post: SameSite=None, which browsers
// accept only with Secure (on https, or on this computer's loopback).
func (s *Server) crossSiteCookie(c *http.Cookie) *http.Cookie {
	if s.secure || s.loopback {
		c.Secure, c.SameSite = true, http.SameSiteNoneMode
	} else {
		c.SameSite = http.SameSiteLaxMode
	}
	c.HttpOnly = true
	return c
}

// ltiLogin answers a platform's login initiation (GET or POST): it binds a
// new state to this browser — a cookie, and the platform's client-side
// storage when offered — and sends the browser to the platform.
func (s *Server) ltiLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeBadRequest, Message: "the login request could not be read"})
		return
	}
	start, err := s.LTI.Flow.Begin(r.Context(), lti.LoginRequestFrom(r.Form))
	if err != nil {
		s.ltiRefused(w, r, err)
		return
	}
	http.SetCookie(w, s.crossSiteCookie(&http.Cookie{Name: stateCookieName(start.State), Value: start.State,
		Path: "/lti/", MaxAge: 600}))
	if start.StorageTarget == "" {
		http.Redirect(w, r, start.AuthURL, http.StatusFound)
		return
	}
	s.renderLTI(w, r, "lti_login", "Connecting to Vigil…", start)
}

type verifyView struct {
	Pending, State, Target, Origin string
}

// ltiLaunch receives the id_token the platform posts.
func (s *Server) ltiLaunch(w http.ResponseWriter, r *http.Request) {
	state := r.PostFormValue("state")
	login, err := s.LTI.Flow.Finish(r.Context(), r.PostFormValue("id_token"), state)
	if err != nil {
		s.ltiRefused(w, r, err)
		return
	}
	if c, err := r.Cookie(stateCookieName(state)); err == nil && sameSecret(c.Value, state) {
		http.SetCookie(w, s.crossSiteCookie(&http.Cookie{Name: c.Name, Path: "/lti/", MaxAge: -1}))
		s.ltiProceed(w, r, login.Launch)
		return
	}
	// No cookie came back: third-party cookies are blocked in the LMS's
	// frame, or the cookie is SameSite=Lax (plain http) and the platform's
	// cross-site post left it behind. The launch waits, checked but
	// unused, until the browser proves it began the login.
	pending, err := s.LTI.LMS.HoldLaunch(r.Context(), login.StateHash, login.Launch, 5*time.Minute)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if login.StorageTarget == "" {
		// A post from this page to Vigil is same-site, so a Lax cookie
		// comes with it.
		s.renderLTI(w, r, "lti_autopost", "Connecting to Vigil…", autopostView{Heading: "Connecting to Vigil…",
			Action: "/lti/confirm", Fields: map[string]string{"pending": pending}})
		return
	}
	// The page must prove it holds the state in the platform's
	// client-side storage.
	p, err := s.LTI.LMS.Platform(r.Context(), login.Launch.PlatformID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderLTI(w, r, "lti_verify", "Connecting to Vigil…", verifyView{Pending: pending, State: state,
		Target: login.StorageTarget, Origin: origin(p.AuthURL)})
}

// ltiVerify finishes a launch whose state the page read back from the
// platform's client-side storage.
func (s *Server) ltiVerify(w http.ResponseWriter, r *http.Request) {
	if !s.fromOwnPage(r) {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeStateMismatch, Message: "this launch was sent from another site: " +
			"open Vigil again from the LMS"})
		return
	}
	l, stateHash, err := s.LTI.LMS.TakeLaunch(r.Context(), r.PostFormValue("pending"))
	value := r.PostFormValue("value")
	if err != nil || value == "" || lti.HashState(value) != stateHash {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeStateMismatch, Message: "this browser did not start this launch: " +
			"open Vigil again from the LMS (or in a new window)"})
		return
	}
	s.ltiProceed(w, r, l)
}

// ltiConfirm finishes a launch whose state cookie came back on a
// same-site post (see ltiLaunch).
func (s *Server) ltiConfirm(w http.ResponseWriter, r *http.Request) {
	l, stateHash, err := s.LTI.LMS.TakeLaunch(r.Context(), r.PostFormValue("pending"))
	if err == nil && len(stateHash) < 16 {
		err = errors.New("not a launch") // a hand-off or deep-linking id has no state
	}
	if err != nil {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeStateMismatch, Message: "this launch was already used or is too old: " +
			"open Vigil again from the LMS"})
		return
	}
	c, err := r.Cookie(stateCookiePrefix + stateHash[:16])
	if err != nil || lti.HashState(c.Value) != stateHash {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeStateMismatch, Message: missingCookieMessage(l)})
		return
	}
	http.SetCookie(w, s.crossSiteCookie(&http.Cookie{Name: c.Name, Path: "/lti/", MaxAge: -1}))
	s.ltiProceed(w, r, l)
}

// missingCookieMessage says why a launch's state cookie did not come back
// and what helps. A deep-linking launch (Select content) always runs in
// the LMS's own page, Moodle's dialog for one, whatever the tool's launch
// container: a new window cannot help there.
func missingCookieMessage(l *lti.Launch) string {
	const why = "this browser did not start this launch (its cookie is missing): "
	if l.MessageType == lti.MsgDeepLinking || l.DocumentTarget == "iframe" {
		return why + "the LMS opened Vigil inside its own page, where this browser blocks Vigil's cookie. " +
			"What helps: Vigil under the institution's own domain (beside the LMS), or allowing cookies for Vigil's address in this browser"
	}
	return why + "allow cookies for Vigil, or set the LMS to open Vigil in a new window"
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
