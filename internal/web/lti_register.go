package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"vigil/internal/lms"
	"vigil/internal/lti"
	"vigil/internal/proctor"
)

// LTI Dynamic Registration (docs/MOODLE.md, docs/CANVAS.md): the LMS opens
// Vigil's registration address, with its configuration's address and a
// registration token, in a frame of its administration page.

type registerView struct {
	Offer                 *lms.RegistrationOffer
	ConfigURL, RegToken   string
	Action, Product, Host string
	Registered            *proctor.Platform
	Missing               bool // opened without the LMS's parameters
}

// registrationCSP lets the LMS that opens the registration page frame it
// (it is registered only afterwards, so frameAncestors does not know it).
func (s *Server) registrationCSP(w http.ResponseWriter, r *http.Request, configURL string) {
	csp := s.csp(r, "")
	if o := origin(configURL); lti.Callable(configURL) && o != "" {
		csp = strings.Replace(csp, "frame-ancestors ", "frame-ancestors "+o+" ", 1)
	}
	w.Header().Set("Content-Security-Policy", csp)
}

// ltiRegisterForm shows what registering with the LMS will do.
func (s *Server) ltiRegisterForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	configURL, regToken := q.Get("openid_configuration"), q.Get("registration_token")
	s.registrationCSP(w, r, configURL)
	if configURL == "" {
		s.renderLTI(w, r, "lti_register", "Register Vigil", registerView{Missing: true})
		return
	}
	offer, err := s.LTI.LMS.OfferRegistration(r.Context(), r.PathValue("token"), configURL, regToken)
	if err != nil {
		s.ltiRefused(w, r, err)
		return
	}
	s.renderLTI(w, r, "lti_register", "Register Vigil", registerView{Offer: offer, ConfigURL: configURL, RegToken: regToken,
		Action: r.URL.Path, Product: productName(offer.Config.Product())})
}

// ltiRegister registers Vigil with the LMS, then tells the LMS's page it
// may close the frame.
func (s *Server) ltiRegister(w http.ResponseWriter, r *http.Request) {
	configURL, regToken := r.PostFormValue("openid_configuration"), r.PostFormValue("registration_token")
	s.registrationCSP(w, r, configURL)
	choice := lms.RegisterChoice{Name: r.PostFormValue("name"), JoinTo: parseID(r.PostFormValue("join"))}
	p, err := s.LTI.LMS.Register(r.Context(), r.PathValue("token"), configURL, regToken, choice)
	if err != nil {
		s.ltiRefused(w, r, err)
		return
	}
	s.forgetAncestors()
	s.renderLTI(w, r, "lti_register", "Vigil is registered", registerView{Registered: p, Product: productName(p.Product)})
}

// newRegistrationLink makes a registration address and shows it once.
func (s *Server) newRegistrationLink(w http.ResponseWriter, r *http.Request, v *viewer) {
	link, l, err := s.LTI.LMS.NewRegistrationLink(r.Context(), lms.As(v.User, remoteIP(r)))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderAdmin(w, r, v, http.StatusOK, adminView{RegistrationURL: link, RegistrationUntil: l.ExpiresAt})
}

// joinPlatform joins a registration to another of the same LMS.
func (s *Server) joinPlatform(w http.ResponseWriter, r *http.Request, v *viewer) {
	folded, err := s.LTI.LMS.JoinPlatform(r.Context(), lms.As(v.User, remoteIP(r)), parseID(r.PathValue("id")), parseID(r.PostFormValue("into")))
	if err != nil {
		s.renderAdmin(w, r, v, http.StatusBadRequest, adminView{Error: proctor.AsError(err).Message})
		return
	}
	msg := "Registrations joined: they are one LMS now."
	if len(folded) > 0 {
		msg += fmt.Sprintf(" %d empty course(s) the second registration had made were switched off.", len(folded))
	}
	http.Redirect(w, r, "/admin?done="+url.QueryEscape(msg)+"#platforms-h", http.StatusSeeOther)
}

// productName is an LMS's product family as people write it.
func productName(code string) string {
	switch code {
	case "":
		return ""
	case "moodle":
		return "Moodle"
	case "canvas":
		return "Canvas"
	}
	return strings.ToUpper(code[:1]) + code[1:]
}
