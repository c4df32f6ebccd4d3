package devlms

import (
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"
)

// getMemberships asks the NRPS endpoint with a token and an Accept header.
func getMemberships(t *testing.T, u, token, accept string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", accept)
	resp, body := doJSON(t, req)
	m, _ := body.(map[string]any)
	return resp, m
}

var nextLink = regexp.MustCompile(`<([^>]+)>; rel="next"`)

// NRPS pages through every enrolment with Link rel="next", in the NRPS
// media type, with each member's roles; ?role= filters.
func TestMembershipsPaginated(t *testing.T) {
	f := newFixture(t, Options{})
	token := f.tool.accessToken(ScopeNRPS)
	u := f.p.Issuer() + "/nrps/" + f.seed.CourseID + "?limit=2"
	var ids []string
	roles := map[string][]any{}
	pages := 0
	for u != "" {
		resp, body := getMemberships(t, u, token, MediaTypeMembership)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != MediaTypeMembership {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		ctx := body["context"].(map[string]any)
		if ctx["id"] != f.seed.CourseID || ctx["label"] != "BIO-101" || ctx["title"] != "Biology" || body["id"] != u {
			t.Errorf("container id %v context %v", body["id"], ctx)
		}
		members := body["members"].([]any)
		if len(members) > 2 {
			t.Errorf("page of %d members with limit 2", len(members))
		}
		for _, m := range members {
			m := m.(map[string]any)
			if m["status"] != "Active" || m["name"] == "" || m["email"] == "" || m["given_name"] == "" {
				t.Errorf("member %v", m)
			}
			ids = append(ids, m["user_id"].(string))
			roles[m["user_id"].(string)] = m["roles"].([]any)
		}
		u = ""
		if m := nextLink.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			u = m[1]
		}
		pages++
	}
	want := append([]string{f.seed.InstructorID, f.seed.TAID}, f.seed.StudentIDs...)
	if !slices.Equal(ids, want) || pages != 3 {
		t.Errorf("members %v over %d pages, want %v over 3", ids, pages, want)
	}
	if r := roles[f.seed.TAID]; len(r) != 2 || r[1] != RoleTeachingAssistant {
		t.Errorf("TA roles %v", r)
	}
	_, body := getMemberships(t, f.p.Issuer()+"/nrps/"+f.seed.CourseID+"?role=Learner", token, MediaTypeMembership)
	if n := len(body["members"].([]any)); n != 3 {
		t.Errorf("role=Learner gave %d members, want 3", n)
	}
}

// NRPS refuses missing and unscoped tokens, other media types and unknown
// courses.
func TestMembershipsRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	nrps := f.tool.accessToken(ScopeNRPS)
	acsOnly := f.tool.accessToken(ScopeACS)
	course := f.p.Issuer() + "/nrps/" + f.seed.CourseID
	cases := []struct {
		name, url, token, accept string
		status                   int
	}{
		{"no token", course, "", MediaTypeMembership, http.StatusUnauthorized},
		{"unknown token", course, "forged", MediaTypeMembership, http.StatusUnauthorized},
		{"ACS-only token", course, acsOnly, MediaTypeMembership, http.StatusForbidden},
		{"HTML asked", course, nrps, "text/html", http.StatusNotAcceptable},
		{"unknown course", f.p.Issuer() + "/nrps/999", nrps, MediaTypeMembership, http.StatusNotFound},
		{"bad limit", course + "?limit=0", nrps, MediaTypeMembership, http.StatusBadRequest},
	}
	for _, tc := range cases {
		if resp, body := getMemberships(t, tc.url, tc.token, tc.accept); resp.StatusCode != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, resp.StatusCode, body, tc.status)
		}
	}
	f.clock.Advance(serviceTokenTTL + time.Second)
	if resp, _ := getMemberships(t, course, nrps, MediaTypeMembership); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", resp.StatusCode)
	}
}
