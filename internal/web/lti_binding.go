package web

import (
	"net/http"
	"strings"
)

// fromOwnPage reports whether the browser sent a request from one of
// Vigil's own pages. The steps of a launch that cannot rely on a cookie
// (/lti/verify, whose page proved the state through the platform's
// storage, and the hand-off to a tab of Vigil's own) accept only such
// requests: a page of another site that posts the attacker's own pending
// id and state, or links to the attacker's hand-off, would otherwise sign
// the victim's browser into the attacker's account (login CSRF).
//
// Browsers set Sec-Fetch-Site themselves (a page cannot forge it); older
// ones are judged by Origin, then by Referer (Vigil's Referrer-Policy is
// same-origin, so its pages send it to Vigil). A request without any of
// them did not come from a browser page of Vigil's and is refused.
func (s *Server) fromOwnPage(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	own := origin(s.BaseURL)
	if o := r.Header.Get("Origin"); o != "" {
		return o == own
	}
	ref := r.Header.Get("Referer")
	return ref != "" && strings.HasPrefix(ref, own+"/")
}
