package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

const (
	sessionCookie = "vigil_session"
	// preCSRFCookie protects the sign-in forms, which have no session yet:
	// the form must echo the cookie's random value (double submit).
	preCSRFCookie = "vigil_signin"
)

// viewer is the signed-in dashboard user of a request.
type viewer struct {
	User    *proctor.User
	CSRF    string
	session *store.WebSession
}

// user wraps a dashboard handler: it finds the signed-in user (or sends the
// browser to sign in) and, on POST, checks the form's CSRF token.
func (s *Server) user(h func(http.ResponseWriter, *http.Request, *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.currentViewer(r)
		if err != nil {
			if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, ".json") && !strings.HasPrefix(r.URL.Path, "/media/") {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.pageError(w, r, proctor.E(proctor.CodeUnauthenticated, "please sign in again"))
			return
		}
		if r.Method == http.MethodPost && !sameSecret(r.PostFormValue("csrf"), v.CSRF) {
			s.pageError(w, r, proctor.E(proctor.CodeForbidden, "this form is out of date: go back, reload the page and try again"))
			return
		}
		if r.Method == http.MethodPost && !storableForm(r) {
			s.pageError(w, r, proctor.E(proctor.CodeInvalid, "the form contains characters that cannot be stored (a NUL or broken UTF-8): "+
				"remove them and send it again"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxUser, v)), v)
	}
}

func (s *Server) currentViewer(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errors.New("no session cookie")
	}
	u, ws, err := s.Accounts.Viewer(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	return &viewer{User: u, CSRF: ws.CSRFToken, session: ws}, nil
}

func sameSecret(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// preCSRF returns the sign-in form's token, setting its cookie if needed.
func (s *Server) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) > 20 {
		return c.Value
	}
	tok, _ := auth.NewToken()
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/signin", HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	return tok
}

func (s *Server) checkPreCSRF(r *http.Request) bool {
	c, err := r.Cookie(preCSRFCookie)
	return err == nil && sameSecret(r.PostFormValue("csrf"), c.Value)
}

type signInData struct {
	Email, Next, Error string
	Token              string // for the one-time link form
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", CSRF: s.preCSRF(w, r),
		Data: signInData{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	email := strings.TrimSpace(r.PostFormValue("email"))
	fail := func(msg string) {
		s.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Sign in", CSRF: s.preCSRF(w, r),
			Data: signInData{Email: email, Next: next, Error: msg}})
	}
	if !s.checkPreCSRF(r) {
		fail("The sign-in form expired. Please try again.")
		return
	}
	if wait, ok := s.signIns.Allow(remoteIP(r)); !ok {
		fail(fmt.Sprintf("Too many sign-in attempts from your address. Try again in %s.", wait.Round(time.Second)))
		return
	}
	u, err := s.Accounts.Password(r.Context(), email, r.PostFormValue("password"))
	if errors.Is(err, auth.ErrBadPassword) {
		s.Log.Info("sign-in refused", "remote", remoteIP(r))
		fail("The email address or password is not right.")
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.startWebSession(w, r, u, next)
}

func (s *Server) signInLinkForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin_link", page{Title: "Sign in", CSRF: s.preCSRF(w, r),
		Data: signInData{Token: r.PathValue("token")}})
}

// signInLink consumes a one-time link. It is a POST behind a button so that
// mail scanners and link previews, which only GET, cannot use the link up.
func (s *Server) signInLink(w http.ResponseWriter, r *http.Request) {
	if !s.checkPreCSRF(r) {
		s.signInLinkForm(w, r)
		return
	}
	u, err := s.Accounts.UseLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.startWebSession(w, r, u, "/")
}

func (s *Server) startWebSession(w http.ResponseWriter, r *http.Request, u *proctor.User, next string) {
	tok, ws, err := s.Accounts.SignIn(r.Context(), u, remoteIP(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, Expires: ws.ExpiresAt})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := s.Accounts.SignOut(r.Context(), v.session); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// safeNext keeps redirects on this site: a clean local path, or "/".
func safeNext(next string) string {
	if !localPath(next) {
		return "/"
	}
	return next
}

// localPath reports whether p is a path on this site and nothing a browser
// could read as another one: one leading slash (browsers take "//host" and
// "/\host" as a host), no backslash, no control character (browsers drop
// tabs and newlines, so "/\t/evil.example" becomes "//evil.example"), and no
// scheme or host when parsed.
func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

// storableForm reports whether every posted value is text every store
// keeps (PostgreSQL refuses NUL and broken UTF-8).
func storableForm(r *http.Request) bool {
	for _, vs := range r.PostForm {
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return false
			}
		}
	}
	return true
}
