package devlms

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MediaTypeMembership is the media type of an NRPS 2.0 membership container.
const MediaTypeMembership = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

// nrpsMember is one member of an NRPS membership container.
type nrpsMember struct {
	Status     string   `json:"status"`
	Name       string   `json:"name"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Email      string   `json:"email"`
	UserID     string   `json:"user_id"`
	Roles      []string `json:"roles"`
}

// handleMemberships serves Names and Role Provisioning 2.0 for a course:
// every enrolment, optionally filtered by ?role= and paginated by ?limit=
// with a Link rel="next" header.
func (p *Platform) handleMemberships(w http.ResponseWriter, r *http.Request) {
	if _, status, why := p.serviceCaller(r, ScopeNRPS); status != 0 {
		writeServiceError(w, status, why)
		return
	}
	if !accepts(r, MediaTypeMembership) {
		writeServiceError(w, http.StatusNotAcceptable, "this service answers only "+MediaTypeMembership)
		return
	}
	q := r.URL.Query()
	limit, page, err := pageParams(q.Get("limit"), q.Get("page"))
	if err != nil {
		writeServiceError(w, http.StatusBadRequest, err.Error())
		return
	}
	courseID := r.PathValue("course_id")
	p.mu.Lock()
	course := p.state.course(courseID)
	var members []nrpsMember
	if course != nil {
		members = p.members(courseID, q.Get("role"))
	}
	base := p.baseURL
	p.mu.Unlock()
	if course == nil {
		writeServiceError(w, http.StatusNotFound, fmt.Sprintf("no course %q", courseID))
		return
	}
	if limit > 0 {
		start := min((page-1)*limit, len(members))
		end := min(start+limit, len(members))
		if end < len(members) {
			next := url.Values{"limit": {strconv.Itoa(limit)}, "page": {strconv.Itoa(page + 1)}}
			if role := q.Get("role"); role != "" {
				next.Set("role", role)
			}
			w.Header().Set("Link", fmt.Sprintf(`<%s/nrps/%s?%s>; rel="next"`, base, courseID, next.Encode()))
		}
		members = members[start:end]
	}
	writeJSON(w, http.StatusOK, MediaTypeMembership, map[string]any{
		"id":      base + r.URL.RequestURI(),
		"context": map[string]string{"id": course.ID, "label": course.Label, "title": course.Title},
		"members": members,
	})
}

// members lists a course's enrolments as NRPS members; role, when set,
// keeps those holding it (a full URI, or a short name such as Learner).
// The caller holds p.mu.
func (p *Platform) members(courseID, role string) []nrpsMember {
	out := []nrpsMember{}
	for _, m := range p.state.members[courseID] {
		u := p.state.user(m.userID)
		if u == nil || (role != "" && !hasRole(m.roles, role)) {
			continue
		}
		out = append(out, nrpsMember{
			Status: "Active", Name: u.Name(), GivenName: u.GivenName, FamilyName: u.FamilyName,
			Email: u.Email, UserID: u.ID, Roles: append([]string{}, m.roles...),
		})
	}
	return out
}

func hasRole(roles []string, role string) bool {
	for _, r := range roles {
		if r == role || strings.HasSuffix(r, "#"+role) {
			return true
		}
	}
	return false
}

// pageParams reads ?limit= (0: no paging) and ?page= (1 when absent).
func pageParams(limitParam, pageParam string) (limit, page int, err error) {
	page = 1
	if limitParam != "" {
		if limit, err = strconv.Atoi(limitParam); err != nil || limit < 1 {
			return 0, 0, fmt.Errorf("limit %q is not a positive integer", limitParam)
		}
	}
	if pageParam != "" {
		if page, err = strconv.Atoi(pageParam); err != nil || page < 1 {
			return 0, 0, fmt.Errorf("page %q is not a positive integer", pageParam)
		}
	}
	return limit, page, nil
}

// accepts says whether the request's Accept header allows mediaType; no
// header accepts anything.
func accepts(r *http.Request, mediaType string) bool {
	header := r.Header.Get("Accept")
	if header == "" {
		return true
	}
	for _, part := range strings.Split(header, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == mediaType || mt == "*/*" || mt == "application/*") {
			return true
		}
	}
	return false
}

// writeServiceError answers an LTI service request with a JSON error.
func writeServiceError(w http.ResponseWriter, status int, why string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	writeJSON(w, status, "application/json", map[string]string{"error": http.StatusText(status), "error_description": why})
}
