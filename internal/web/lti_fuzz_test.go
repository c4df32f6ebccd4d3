package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	vlms "vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// ltiEntrances are the pages anyone on the network (or an LMS) reaches
// without signing in; the fuzzer writes the rest of the path, the query
// and the form.
var ltiEntrances = []struct{ method, prefix string }{
	{"GET", "/lti/login"}, {"POST", "/lti/login"}, {"POST", "/lti/launch"}, {"POST", "/lti/verify"},
	{"POST", "/lti/confirm"}, {"GET", "/lti/handoff/"}, {"POST", "/lti/handoff/"}, {"GET", "/lti/cookie-check"},
	{"GET", "/lti/proctoring/"}, {"GET", "/signin/link/"}, {"POST", "/signin/link/"}, {"GET", "/s/"},
	{"POST", "/signin"}, {"GET", "/lti/exam"},
}

// FuzzLTIEntrances sends arbitrary queries and forms to the login,
// launch and hand-off pages of a Vigil with a registered LMS: whatever
// arrives, never a 5xx.
func FuzzLTIEntrances(f *testing.F) {
	srv := testserver.Start(f, testserver.Options{NoWorker: true})
	p := &proctor.Platform{Name: "LMS", Issuer: "https://lms.example.edu", ClientID: "vigil-client",
		AuthURL: "https://lms.example.edu/auth", TokenURL: "https://lms.example.edu/token",
		JWKSURL: "https://lms.example.edu/jwks", Deployments: []string{"dep-1"}}
	if err := srv.LTI.LMS.SavePlatform(context.Background(), vlms.Who{Name: "fuzz"}, p); err != nil {
		f.Fatal(err)
	}
	login := url.Values{"iss": {p.Issuer}, "client_id": {p.ClientID}, "lti_deployment_id": {"dep-1"},
		"login_hint": {"42"}, "target_link_uri": {srv.URL + "/lti/exam"}}
	checkLoginRedirects(f, srv, login)
	f.Add(uint8(0), "", login.Encode(), "")
	f.Add(uint8(1), "", "", login.Encode()+"&lti_storage_target=_parent&lti_message_hint=x")
	f.Add(uint8(1), "", "", "iss=https://lms.example.edu&login_hint=1&target_link_uri=https://evil.example/")
	f.Add(uint8(2), "", "", "id_token=e30.e30.&state=abc")
	f.Add(uint8(2), "", "", "id_token=&state=")
	f.Add(uint8(3), "", "", "pending=abc&value=def")
	f.Add(uint8(4), "", "", "pending=abc")
	f.Add(uint8(5), "abc", "", "")
	f.Add(uint8(6), "abc", "", "user=1&next=//evil.example")
	f.Add(uint8(7), "", "next=%2Fexams%2F1", "")
	f.Add(uint8(8), "1/status", "", "")
	f.Add(uint8(8), "99999999999999999999/start", "", "")
	f.Add(uint8(9), "abc", "", "")
	f.Add(uint8(10), "abc", "", "csrf=x")
	f.Add(uint8(11), "abc", "", "")
	f.Add(uint8(12), "", "", "email=a%40b&password=0123456789&next=https://evil.example/")
	f.Add(uint8(13), "", "", "")
	f.Fuzz(func(t *testing.T, entrance uint8, rest, query, form string) {
		e := ltiEntrances[int(entrance)%len(ltiEntrances)]
		target := srv.URL + e.prefix + rest
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(e.method, target, strings.NewReader(form))
		if err != nil {
			return // not a URL net/http will send
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := noRedirects.Do(req)
		if err != nil {
			return
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: HTTP %d", e.method, target, form, res.StatusCode)
		}
	})
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// checkLoginRedirects: a good login initiation is sent on to the LMS, so
// the fuzzer starts from inputs that pass the checks.
func checkLoginRedirects(tb testing.TB, srv *testserver.Server, login url.Values) {
	tb.Helper()
	res, err := noRedirects.Get(srv.URL + "/lti/login?" + login.Encode())
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "https://lms.example.edu/auth?") {
		tb.Fatalf("a good login initiation: HTTP %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
