package devlms

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// apiCall sends a REST API request with a bearer token ("" for none) and
// returns the answer and its raw body.
func apiCall(t *testing.T, method, u, token, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

// The quiz list is paginated like Canvas, ids are numbers, and access_code
// appears for teachers only.
func TestCanvasListQuizzes(t *testing.T) {
	f := newFixture(t, Options{})
	f.p.AddQuiz(f.seed.CourseID, Quiz{Title: "Draft quiz"}) // unpublished
	base := f.p.Issuer() + "/api/v1/courses/" + f.seed.CourseID + "/quizzes"

	resp, body := apiCall(t, "GET", base+"?per_page=2", f.p.IssueAPIToken(f.seed.InstructorID), "", "")
	var quizzes []map[string]any
	if err := json.Unmarshal([]byte(body), &quizzes); err != nil || resp.StatusCode != 200 {
		t.Fatalf("teacher list: %d %s", resp.StatusCode, body)
	}
	if len(quizzes) != 2 {
		t.Fatalf("page 1 has %d quizzes, want 2", len(quizzes))
	}
	q := quizzes[1]
	if q["title"] != "Final Exam" || q["access_code"] != "final-bio" || q["quiz_type"] != "assignment" || q["published"] != true {
		t.Errorf("teacher sees %v", q)
	}
	if _, isNumber := q["id"].(float64); !isNumber {
		t.Errorf("id %v is not a number", q["id"])
	}
	if q["html_url"] != f.p.Issuer()+"/courses/"+f.seed.CourseID+"/quizzes/"+f.seed.QuizIDs[1] {
		t.Errorf("html_url %v", q["html_url"])
	}
	if due, err := time.Parse(time.RFC3339, q["due_at"].(string)); err != nil || !due.After(f.clock.Now()) {
		t.Errorf("due_at %v", q["due_at"])
	}
	link := resp.Header.Get("Link")
	for _, want := range []string{
		`<` + base + `?page=1&per_page=2>; rel="current"`, `<` + base + `?page=2&per_page=2>; rel="next"`,
		`<` + base + `?page=1&per_page=2>; rel="first"`, `<` + base + `?page=2&per_page=2>; rel="last"`,
	} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %q lacks %s", link, want)
		}
	}
	resp, body = apiCall(t, "GET", base+"?per_page=2&page=2", f.p.IssueAPIToken(f.seed.InstructorID), "", "")
	if !strings.Contains(body, "Draft quiz") || strings.Contains(resp.Header.Get("Link"), `rel="next"`) || !strings.Contains(resp.Header.Get("Link"), `rel="prev"`) {
		t.Errorf("page 2: %s Link %s", body, resp.Header.Get("Link"))
	}

	_, body = apiCall(t, "GET", base, f.p.IssueAPIToken(f.seed.StudentIDs[0]), "", "")
	if strings.Contains(body, "access_code") || strings.Contains(body, "Draft quiz") || !strings.Contains(body, "Final Exam") {
		t.Errorf("a student sees %s", body)
	}
	_, body = apiCall(t, "GET", base+"/"+f.seed.QuizIDs[1], f.p.IssueAPIToken(f.seed.TAID), "", "")
	if !strings.Contains(body, `"access_code":"final-bio"`) {
		t.Errorf("a TA sees %s", body)
	}
}

// Teachers set and clear the access code by JSON or form; students,
// strangers and bad tokens get Canvas's exact errors.
func TestCanvasUpdateAccessCode(t *testing.T) {
	f := newFixture(t, Options{})
	quizURL := f.p.Issuer() + "/api/v1/courses/" + f.seed.CourseID + "/quizzes/" + f.seed.QuizIDs[0]
	teacher := f.p.IssueAPIToken(f.seed.InstructorID)
	code := func() string {
		q, _ := f.p.Quiz(f.seed.CourseID, f.seed.QuizIDs[0])
		return q.AccessCode
	}
	resp, body := apiCall(t, "PUT", quizURL, teacher, "application/json", `{"quiz":{"access_code":"vigil-7Q2"}}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"access_code":"vigil-7Q2"`) || code() != "vigil-7Q2" {
		t.Fatalf("JSON PUT: %d %s, code now %q", resp.StatusCode, body, code())
	}
	resp, _ = apiCall(t, "PUT", quizURL, teacher, "application/x-www-form-urlencoded", url.Values{"quiz[access_code]": {"form-code"}}.Encode())
	if resp.StatusCode != 200 || code() != "form-code" {
		t.Errorf("form PUT: %d, code now %q", resp.StatusCode, code())
	}
	if resp, _ = apiCall(t, "PUT", quizURL, teacher, "application/json", `{"quiz":{"access_code":null}}`); resp.StatusCode != 200 || code() != "" {
		t.Errorf("null clears: %d, code now %q", resp.StatusCode, code())
	}

	outsider := f.p.AddUser(User{GivenName: "Eve"})
	errorCases := []struct {
		name, method, url, token, body string
		status                         int
		want                           string
	}{
		{"student PUT", "PUT", quizURL, f.p.IssueAPIToken(f.seed.StudentIDs[0]), `{"quiz":{"access_code":"x"}}`, 401,
			`{"status":"unauthorized","errors":[{"message":"user not authorized to perform that action"}]}`},
		{"outsider GET", "GET", quizURL, f.p.IssueAPIToken(outsider.ID), "", 401, `"status":"unauthorized"`},
		{"invalid token", "GET", quizURL, "1~forged", "", 401, `{"errors":[{"message":"Invalid access token."}]}`},
		{"no token", "GET", quizURL, "", "", 401, `"status":"unauthenticated"`},
		{"unknown quiz", "PUT", quizURL + "0", teacher, `{"quiz":{"access_code":"x"}}`, 404, `{"errors":[{"message":"The specified resource does not exist."}]}`},
		{"unknown course", "GET", f.p.Issuer() + "/api/v1/courses/4242/quizzes", teacher, "", 404, "The specified resource does not exist."},
		{"bad JSON", "PUT", quizURL, teacher, `{"quiz":`, 400, "errors"},
	}
	for _, tc := range errorCases {
		resp, body := apiCall(t, tc.method, tc.url, tc.token, "application/json", tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, resp.StatusCode, body, tc.status, tc.want)
		}
	}
	if code() != "" {
		t.Errorf("a refused PUT changed the code to %q", code())
	}
}

// Throttling is a leaky bucket per token: every answer carries
// X-Request-Cost and X-Rate-Limit-Remaining, an overflow is Canvas's 403,
// and the bucket drains with time.
func TestCanvasRateLimit(t *testing.T) {
	f := newFixture(t, Options{RateLimit: 3})
	u := f.p.Issuer() + "/api/v1/courses/" + f.seed.CourseID + "/quizzes"
	token := f.p.IssueAPIToken(f.seed.InstructorID)
	for i, remaining := range []string{"2", "1", "0"} {
		resp, _ := apiCall(t, "GET", u, token, "", "")
		if resp.StatusCode != 200 || resp.Header.Get("X-Request-Cost") != "1" || resp.Header.Get("X-Rate-Limit-Remaining") != remaining {
			t.Fatalf("request %d: %d cost %q remaining %q", i+1, resp.StatusCode, resp.Header.Get("X-Request-Cost"), resp.Header.Get("X-Rate-Limit-Remaining"))
		}
	}
	resp, body := apiCall(t, "GET", u, token, "", "")
	if resp.StatusCode != http.StatusForbidden || body != "403 Forbidden (Rate Limit Exceeded)" || resp.Header.Get("X-Rate-Limit-Remaining") == "" {
		t.Errorf("overflow: %d %q", resp.StatusCode, body)
	}
	if resp, _ := apiCall(t, "GET", u, f.p.IssueAPIToken(f.seed.InstructorID), "", ""); resp.StatusCode != 200 {
		t.Errorf("another token shares the bucket: %d", resp.StatusCode)
	}
	f.clock.Advance(time.Second) // drains 10
	if resp, _ := apiCall(t, "GET", u, token, "", ""); resp.StatusCode != 200 || resp.Header.Get("X-Rate-Limit-Remaining") != "2" {
		t.Errorf("after draining: %d remaining %q", resp.StatusCode, resp.Header.Get("X-Rate-Limit-Remaining"))
	}
}

// Canvas's OAuth2: the code flow approves for the cookie user, the token
// works on the API and expires after an hour, codes are single-use, and a
// refresh gives a new access token.
func TestCanvasOAuth2(t *testing.T) {
	f := newFixture(t, Options{})
	f.p.AddDeveloperKey(DeveloperKey{ClientID: "10000000000001", Secret: "s3cret", RedirectURIs: []string{"https://vigil.example/oauth/callback"}})
	b := newBrowser(t)
	b.post(f.p.Issuer()+"/act-as", url.Values{"user": {f.seed.InstructorID}})
	authorize := f.p.Issuer() + "/login/oauth2/auth?" + url.Values{
		"client_id": {"10000000000001"}, "response_type": {"code"}, "redirect_uri": {"https://vigil.example/oauth/callback"}, "state": {"st-1"},
	}.Encode()
	req, _ := http.NewRequest("GET", authorize, nil)
	for _, c := range b.client.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "vigil.example" || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d to %s", resp.StatusCode, loc)
	}
	exchange := func(form url.Values) (int, map[string]any) {
		resp, err := http.PostForm(f.p.Issuer()+"/login/oauth2/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal([]byte(readBody(t, resp)), &m)
		return resp.StatusCode, m
	}
	codeGrant := url.Values{"grant_type": {"authorization_code"}, "client_id": {"10000000000001"}, "client_secret": {"s3cret"},
		"redirect_uri": {"https://vigil.example/oauth/callback"}, "code": {loc.Query().Get("code")}}
	status, tok := exchange(codeGrant)
	user, _ := tok["user"].(map[string]any)
	if status != 200 || tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) || tok["refresh_token"] == nil ||
		user["name"] != "Ada Okafor" || fmt.Sprint(user["id"]) != f.seed.InstructorID {
		t.Fatalf("code exchange: %d %v", status, tok)
	}
	quizzes := f.p.Issuer() + "/api/v1/courses/" + f.seed.CourseID + "/quizzes"
	if resp, body := apiCall(t, "GET", quizzes, tok["access_token"].(string), "", ""); resp.StatusCode != 200 || !strings.Contains(body, "access_code") {
		t.Errorf("API with the OAuth token: %d %s", resp.StatusCode, body)
	}
	if status, again := exchange(codeGrant); status != 400 || again["error"] != "invalid_grant" {
		t.Errorf("code reuse: %d %v", status, again)
	}
	f.clock.Advance(apiTokenTTL + time.Second)
	if resp, body := apiCall(t, "GET", quizzes, tok["access_token"].(string), "", ""); resp.StatusCode != 401 || !strings.Contains(body, "Invalid access token.") {
		t.Errorf("expired OAuth token: %d %s", resp.StatusCode, body)
	}
	status, refreshed := exchange(url.Values{"grant_type": {"refresh_token"}, "client_id": {"10000000000001"}, "client_secret": {"s3cret"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != 200 || refreshed["access_token"] == tok["access_token"] {
		t.Fatalf("refresh: %d %v", status, refreshed)
	}
	if resp, _ := apiCall(t, "GET", quizzes, refreshed["access_token"].(string), "", ""); resp.StatusCode != 200 {
		t.Errorf("API with the refreshed token: %d", resp.StatusCode)
	}
	if status, bad := exchange(url.Values{"grant_type": {"refresh_token"}, "client_id": {"10000000000001"}, "client_secret": {"wrong"}, "refresh_token": {tok["refresh_token"].(string)}}); status != 401 || bad["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", status, bad)
	}
	unregistered := strings.Replace(authorize, "vigil.example", "evil.example", 1)
	if resp, body := apiCall(t, "GET", unregistered, "", "", ""); resp.StatusCode != 400 || !strings.Contains(body, "redirect_uri") {
		t.Errorf("unregistered redirect_uri: %d %s", resp.StatusCode, body)
	}
	if resp, _ := apiCall(t, "GET", authorize, "", "", ""); resp.StatusCode != 401 {
		t.Errorf("authorize without a user cookie: %d, want 401", resp.StatusCode)
	}
}
