package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"vigil/internal/auth"
	"vigil/internal/lms"
	"vigil/internal/lti"
	"vigil/internal/store"
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
	data, _ := json.Marshal(login.Launch)
	pending, err := s.savePending(r, login.StateHash, data, 5*time.Minute)
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
	p, err := s.Store.GetPlatform(r.Context(), login.Launch.PlatformID)
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
	p, err := s.Store.TakePending(r.Context(), auth.HashToken(r.PostFormValue("pending")), s.Now())
	value := r.PostFormValue("value")
	if err != nil || value == "" || lti.HashState(value) != p.StateHash {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeStateMismatch, Message: "this browser did not start this launch: " +
			"open Vigil again from the LMS (or in a new window)"})
		return
	}
	var l lti.Launch
	if err := json.Unmarshal(p.Launch, &l); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.ltiProceed(w, r, &l)
}

// ltiConfirm finishes a launch whose state cookie came back on a
// same-site post (see ltiLaunch).
func (s *Server) ltiConfirm(w http.ResponseWriter, r *http.Request) {
	p, err := s.Store.TakePending(r.Context(), auth.HashToken(r.PostFormValue("pending")), s.Now())
	if err == nil && len(p.StateHash) < 16 {
		err = errors.New("not a launch") // a hand-off or deep-linking id has no state
	}
	if err != nil {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeStateMismatch, Message: "this launch was already used or is too old: " +
			"open Vigil again from the LMS"})
		return
	}
	c, err := r.Cookie(stateCookiePrefix + p.StateHash[:16])
	if err != nil || lti.HashState(c.Value) != p.StateHash {
		s.ltiRefused(w, r, &lti.Refusal{Code: lti.CodeStateMismatch, Message: "this browser did not start this launch " +
			"(its cookie is missing): allow cookies for Vigil, or set the LMS to open Vigil in a new window"})
		return
	}
	http.SetCookie(w, s.crossSiteCookie(&http.Cookie{Name: c.Name, Path: "/lti/", MaxAge: -1}))
	var l lti.Launch
	if err := json.Unmarshal(p.Launch, &l); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.ltiProceed(w, r, &l)
}

// savePending keeps data under a new one-time id for a short while.
func (s *Server) savePending(r *http.Request, stateHash string, data []byte, life time.Duration) (string, error) {
	id, hash := auth.NewToken()
	err := s.Store.SavePending(r.Context(), &store.LTIPending{IDHash: hash, StateHash: stateHash, Launch: data,
		ExpiresAt: s.Now().Add(life)})
	return id, err
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
