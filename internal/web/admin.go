package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vigil/internal/lms"
	"vigil/internal/proctor"
)

// adminView is the administration page: LMS registrations, course
// requests, Vigil's keys and the addresses to give an LMS, and how long
// media is kept.
type adminView struct {
	Platforms []proctor.Platform
	Requests  []lms.RequestRow
	Keys      []proctor.ToolKey
	Base      string
	Error     string
	Edit      *proctor.Platform
	Retention retentionView
	// RegistrationURL is a registration address just made (shown once).
	RegistrationURL   string
	RegistrationUntil time.Time
}

// JoinTargets are the registrations p may be joined to: the others of
// its LMS (same issuer) that are not joined themselves.
func (d adminView) JoinTargets(p proctor.Platform) []proctor.Platform {
	var out []proctor.Platform
	if p.JoinedTo != 0 {
		return nil
	}
	for _, o := range d.Platforms {
		if o.ID != p.ID && o.Issuer == p.Issuer && o.JoinedTo == 0 {
			out = append(out, o)
		}
	}
	return out
}

// PlatformName names a registration by id, for "joined to".
func (d adminView) PlatformName(id int64) string {
	for _, p := range d.Platforms {
		if p.ID == id {
			return p.Name
		}
	}
	return fmt.Sprint("registration ", id)
}

// admin wraps an administrator's handler; others get a not-found page.
// The LMS forms are only routed when the server has an LMS side.
func (s *Server) admin(h func(http.ResponseWriter, *http.Request, *viewer)) http.HandlerFunc {
	return s.user(func(w http.ResponseWriter, r *http.Request, v *viewer) {
		if v.User.Role != proctor.RoleAdmin {
			s.pageError(w, r, proctor.E(proctor.CodeNotFound, "not found"))
			return
		}
		h(w, r, v)
	})
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.renderAdmin(w, r, v, http.StatusOK, adminView{})
}

// renderAdmin fills d's lists and renders the page; d carries a refused
// form (its error and what was typed) when there is one.
func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, v *viewer, status int, d adminView) {
	ctx := r.Context()
	d.Base = strings.TrimRight(s.BaseURL, "/")
	edit := d.Edit
	var err error
	if d.Platforms, err = s.platforms(r); err == nil && s.LTI != nil {
		if d.Keys, err = s.LTI.LMS.ToolKeys(ctx); err == nil {
			d.Requests, err = s.LTI.LMS.CourseRequests(ctx)
		}
	}
	if err == nil {
		err = s.fillRetention(r, v, &d.Retention)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if edit == nil && r.URL.Query().Get("edit") != "" {
		for i := range d.Platforms {
			if fmt.Sprint(d.Platforms[i].ID) == r.URL.Query().Get("edit") {
				d.Edit = &d.Platforms[i]
			}
		}
	}
	s.render(w, r, status, "admin", page{Title: "Administration", User: v.User, CSRF: v.CSRF, Flash: r.URL.Query().Get("done"), Data: d})
}

// savePlatform registers or changes an LMS.
func (s *Server) savePlatform(w http.ResponseWriter, r *http.Request, v *viewer) {
	p := &proctor.Platform{ID: parseID(r.PostFormValue("id")), Name: r.PostFormValue("name"), Issuer: r.PostFormValue("issuer"),
		ClientID: r.PostFormValue("client_id"), AuthURL: strings.TrimSpace(r.PostFormValue("auth_url")),
		TokenURL: strings.TrimSpace(r.PostFormValue("token_url")), JWKSURL: strings.TrimSpace(r.PostFormValue("jwks_url")),
		Deployments: strings.FieldsFunc(r.PostFormValue("deployments"), func(c rune) bool { return c == '\n' || c == ',' || c == '\r' }),
		AutoEnable:  r.PostFormValue("auto_enable") == "on", CanvasURL: strings.TrimSpace(r.PostFormValue("canvas_url")),
		CanvasToken: strings.TrimSpace(r.PostFormValue("canvas_token")), CanvasClientID: strings.TrimSpace(r.PostFormValue("canvas_client_id")),
		CanvasClientSecret: strings.TrimSpace(r.PostFormValue("canvas_client_secret"))}
	if err := s.LTI.LMS.SavePlatform(r.Context(), lms.As(v.User, remoteIP(r)), p); err != nil {
		s.renderAdmin(w, r, v, http.StatusBadRequest, adminView{Error: proctor.AsError(err).Message, Edit: p})
		return
	}
	s.forgetAncestors()
	http.Redirect(w, r, "/admin?done="+url.QueryEscape("Platform "+p.Name+" saved."), http.StatusSeeOther)
}

// decideRequest approves or denies a course request.
func (s *Server) decideRequest(w http.ResponseWriter, r *http.Request, v *viewer) {
	approve := r.PostFormValue("decision") == "approve"
	if err := s.LTI.LMS.DecideCourse(r.Context(), lms.As(v.User, remoteIP(r)), parseID(r.PathValue("id")), approve, r.PostFormValue("note")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?done="+url.QueryEscape("Request decided.")+"#requests", http.StatusSeeOther)
}

// rotateKeys rotates Vigil's signing keys.
func (s *Server) rotateKeys(w http.ResponseWriter, r *http.Request, v *viewer) {
	msg, err := s.LTI.LMS.RotateKeys(r.Context(), lms.As(v.User, remoteIP(r)), r.PostFormValue("force") == "on")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?done="+url.QueryEscape(msg)+"#keys", http.StatusSeeOther)
}

type outboxView struct {
	Mail []proctor.Mail
	SMTP bool
}

// adminOutbox lists Vigil's mail, so administrators can read what was (or
// could not be) sent; with no SMTP server this is where mail stays.
func (s *Server) adminOutbox(w http.ResponseWriter, r *http.Request, v *viewer) {
	list, err := s.Review.Outbox(r.Context(), v.actor(r), 200)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_outbox", page{Title: "Mail outbox", User: v.User, CSRF: v.CSRF,
		Data: outboxView{Mail: list, SMTP: s.MailConfigured}})
}
