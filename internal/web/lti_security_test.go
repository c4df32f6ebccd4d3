package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/devlms"
	"vigil/internal/lti"
	"vigil/internal/testserver"
)

// verifyPage runs a launch with client-side storage as an attacker would
// in their own browser, up to Vigil's verify page (the state cookie stays
// behind, as in a frame that blocks third-party cookies), and returns the
// page's pending id and state.
func verifyPage(t *testing.T, l *lms, spec devlms.LaunchSpec) (pending, state string) {
	t.Helper()
	c := browserClient()
	start, err := l.StartLaunchURL(spec)
	if err != nil {
		t.Fatal(err)
	}
	_, login := get(t, c, start+"/initiate") // Vigil's login page, which stores the state
	m := regexp.MustCompile(`data-auth="([^"]+)"`).FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("no authorisation address on the login page:\n%s", login)
	}
	res, err := c.Get(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	action, fields, err := devlms.ParseAutoPostForm(body)
	if err != nil {
		t.Fatalf("no launch form: %v\n%s", err, body)
	}
	_, page := postForm(t, browserClient(), action, fields) // no state cookie comes with it
	m = regexp.MustCompile(`data-state="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no verify page:\n%s", page)
	}
	return formValue(t, page, "pending"), m[1]
}

// postFrom posts a form as a browser would from a page of origin (its
// Origin and Sec-Fetch-Site headers).
func postFrom(t *testing.T, c *http.Client, origin, site, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", site)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

func sessionCookieSet(res *http.Response) bool {
	for _, c := range res.Cookies() {
		if c.Name == "vigil_session" && c.Value != "" {
			return true
		}
	}
	return false
}

// handoffPath finishes a launch from Vigil's verify page and returns the
// hand-off link its continue page offers.
func handoffPath(t *testing.T, srv *testserver.Server, l *lms, spec devlms.LaunchSpec) string {
	t.Helper()
	pending, state := verifyPage(t, l, spec)
	verify := url.Values{"pending": {pending}, "value": {state}}
	res, page := postFrom(t, &http.Client{}, srv.URL, "same-origin", srv.URL+"/lti/verify", verify)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-action="continue"`) {
		t.Fatalf("verify from Vigil's page: %d\n%s", res.StatusCode, page)
	}
	m := regexp.MustCompile(`href="(/lti/handoff/[^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no hand-off link:\n%s", page)
	}
	return m[1]
}

// TestLTILoginCSRF: an attacker who runs a launch in their own browser
// cannot finish it, nor use its hand-off, from another site in the
// victim's browser; Vigil's own pages still can.
func TestLTILoginCSRF(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	spec := devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID, Frame: "iframe", StorageTarget: true}

	pending, state := verifyPage(t, l, spec)
	victim := &http.Client{CheckRedirect: noRedirect}
	verify := url.Values{"pending": {pending}, "value": {state}}
	res, page := postFrom(t, victim, "https://evil.example", "cross-site", srv.URL+"/lti/verify", verify)
	if res.StatusCode != http.StatusBadRequest || refusalCode(page) != lti.CodeStateMismatch || sessionCookieSet(res) {
		t.Fatalf("cross-site verify: %d %q, session cookie %v", res.StatusCode, refusalCode(page), sessionCookieSet(res))
	}

	handoff := srv.URL + handoffPath(t, srv, l, spec)

	// The hand-off link mailed or linked from elsewhere shows no button,
	// and a post from another site is refused.
	for _, site := range []string{"cross-site", "none"} {
		req, _ := http.NewRequest(http.MethodGet, handoff, nil)
		req.Header.Set("Sec-Fetch-Site", site)
		res, err := victim.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("hand-off page opened %s: %d, want 403", site, res.StatusCode)
		}
	}
	res, _ = postFrom(t, victim, "https://evil.example", "cross-site", handoff, url.Values{})
	if res.StatusCode != http.StatusForbidden || sessionCookieSet(res) {
		t.Fatalf("cross-site hand-off: %d, session cookie %v", res.StatusCode, sessionCookieSet(res))
	}
	// From Vigil's own page the hand-off still works (it was not used up).
	res, _ = postFrom(t, victim, srv.URL, "same-origin", handoff, url.Values{})
	if res.StatusCode != http.StatusSeeOther || !sessionCookieSet(res) {
		t.Fatalf("hand-off from Vigil's page: %d, session cookie %v", res.StatusCode, sessionCookieSet(res))
	}

}

// TestLTIConfirmNotALaunch: a pending id that is not a launch (a hand-off)
// posted as a launch confirmation is refused, not a panic.
func TestLTIConfirmNotALaunch(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	spec := devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID, Frame: "iframe", StorageTarget: true}
	id := strings.TrimPrefix(handoffPath(t, srv, l, spec), "/lti/handoff/")
	status, page := postForm(t, browserClient(), srv.URL+"/lti/confirm", url.Values{"pending": {id}})
	if status != http.StatusBadRequest || refusalCode(page) != lti.CodeStateMismatch {
		t.Fatalf("confirm with a hand-off id: %d %q", status, refusalCode(page))
	}
}

// TestLTILoginsCapped: logins begun and never finished stop at the cap
// with a clear refusal, and expired ones no longer count.
func TestLTILoginsCapped(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	srv.LTI.Flow.MaxLogins = 3
	login := srv.URL + "/lti/login?" + url.Values{"iss": {l.Issuer()}, "client_id": {toolClientID}, "login_hint": {"x"},
		"target_link_uri": {srv.URL + "/lti/dashboard"}}.Encode()
	c := &http.Client{CheckRedirect: noRedirect}
	begin := func() (int, string) {
		t.Helper()
		res, err := c.Get(login)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(body)
	}
	for i := range 3 {
		if status, _ := begin(); status != http.StatusFound {
			t.Fatalf("login %d: %d, want 302", i, status)
		}
	}
	if status, page := begin(); status != http.StatusTooManyRequests || refusalCode(page) != lti.CodeTooManyLogins {
		t.Fatalf("login over the cap: %d %q", status, refusalCode(page))
	}
	srv.Advance(11 * time.Minute) // the three expire
	if status, _ := begin(); status != http.StatusFound {
		t.Fatalf("login after the others expired: %d", status)
	}
}
