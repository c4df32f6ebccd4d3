package devlms

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws"
)

// A window launch with GET initiation: the platform redirects to the tool's
// login with the six initiation parameters, and the id_token that reaches
// the tool carries every claim the brief lists, with the right values.
func TestResourceLaunchGETInitiationAndClaims(t *testing.T) {
	f := newFixture(t, Options{})
	student := f.seed.StudentIDs[0]
	launchURL := f.launch(LaunchSpec{CourseID: f.seed.CourseID, UserID: student, Custom: map[string]string{"extra": "$Person.email.primary"}})

	resp, err := noRedirects.Get(launchURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("launch URL answered %d, want 302", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != f.tool.reg.LoginURL {
		t.Errorf("redirected to %s, want the login URL %s", got, f.tool.reg.LoginURL)
	}
	want := url.Values{
		"iss": {f.p.Issuer()}, "login_hint": {student}, "lti_message_hint": {strings.TrimPrefix(launchURL, f.srv.URL+"/launch/")},
		"target_link_uri": {f.tool.reg.TargetLinkURI}, "client_id": {"vigil-client"}, "lti_deployment_id": {"dep-1"},
	}
	if !reflect.DeepEqual(loc.Query(), want) {
		t.Errorf("initiation parameters\n got %v\nwant %v", loc.Query(), want)
	}

	end := newBrowser(t).get(launchURL)
	if end.status != http.StatusOK || !strings.Contains(end.body, "tool launched: LtiResourceLinkRequest") {
		t.Fatalf("launch ended with %d %s", end.status, end.body)
	}
	c := f.tool.lastLaunch()
	now := f.clock.Now().Unix()
	user := f.user(student)
	checks := map[string]any{
		"iss": f.p.Issuer(), "aud": "vigil-client", "azp": "vigil-client", "sub": student,
		"exp": float64(now + 300), "iat": float64(now),
		"name": user.Name(), "given_name": user.GivenName, "family_name": user.FamilyName, "email": user.Email,
		claimLTI + "message_type": "LtiResourceLinkRequest", claimLTI + "version": "1.3.0",
		claimLTI + "deployment_id": "dep-1", claimLTI + "target_link_uri": f.tool.reg.TargetLinkURI,
		claimLTI + "roles": []any{RoleLearner},
		claimLTI + "context": map[string]any{"id": f.seed.CourseID, "label": "BIO-101", "title": "Biology",
			"type": []any{"http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"}},
		claimLTI + "resource_link":       map[string]any{"id": "course-nav-" + f.seed.CourseID, "title": "Vigil"},
		claimLTI + "launch_presentation": map[string]any{"document_target": "window", "return_url": f.p.Issuer() + "/?course=" + f.seed.CourseID},
		claimLTI + "custom": map[string]any{"course": f.seed.CourseID, "mode": "exam", "extra": user.Email,
			"canvas_course_id": f.seed.CourseID, "canvas_user_id": student},
		claimNRPS: map[string]any{"context_memberships_url": f.p.Issuer() + "/nrps/" + f.seed.CourseID, "service_versions": []any{"2.0"}},
	}
	for name, want := range checks {
		if !reflect.DeepEqual(c[name], want) {
			t.Errorf("claim %s = %#v, want %#v", name, c[name], want)
		}
	}
	platform := c.obj(claimLTI + "tool_platform")
	if platform.str("product_family_code") != "vigil-devlms" || platform.str("guid") == "" || platform.str("version") == "" || platform.str("name") == "" {
		t.Errorf("tool_platform claim = %v", platform)
	}
}

// A POST initiation is an auto-submitting form with a visible Continue
// button, and the launch completes through it.
func TestResourceLaunchPOSTInitiation(t *testing.T) {
	f := newFixture(t, Options{})
	launchURL := f.launch(LaunchSpec{CourseID: f.seed.CourseID, UserID: f.seed.InstructorID, Initiation: "POST"})
	resp, err := http.Get(launchURL)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	mustContain(t, "POST initiation page", body, `<button type="submit">Continue</button>`, `src="/static/autopost.js"`)
	action, fields, err := ParseAutoPostForm([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if action != f.tool.reg.LoginURL || fields.Get("login_hint") != f.seed.InstructorID || fields.Get("lti_deployment_id") != "dep-1" || fields.Get("iss") != f.p.Issuer() {
		t.Errorf("initiation form posts to %s with %v", action, fields)
	}
	if end := newBrowser(t).get(launchURL); !strings.Contains(end.body, "tool launched") {
		t.Fatalf("POST-initiated launch ended with %d %s", end.status, end.body)
	}
	roles := f.tool.lastLaunch()[claimLTI+"roles"]
	if !reflect.DeepEqual(roles, []any{RoleInstructor}) {
		t.Errorf("instructor roles = %v", roles)
	}
}

// A launch can be used once, and not after five minutes.
func TestLaunchIsSingleUseAndExpires(t *testing.T) {
	f := newFixture(t, Options{})
	spec := LaunchSpec{CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[1]}
	launchURL := f.launch(spec)
	b := newBrowser(t)
	if end := b.get(launchURL); !strings.Contains(end.body, "tool launched") {
		t.Fatalf("first use: %d %s", end.status, end.body)
	}
	if end := b.get(launchURL); end.status != http.StatusNotFound {
		t.Errorf("reopening a used launch: %d, want 404", end.status)
	}
	// Replaying the tool's authorization request names the used hint.
	login := f.tool.lastLogin()
	replay := url.Values{
		"scope": {"openid"}, "response_type": {"id_token"}, "response_mode": {"form_post"}, "prompt": {"none"},
		"client_id": {"vigil-client"}, "redirect_uri": {f.tool.srv.URL + "/launch"}, "nonce": {"n"},
		"login_hint": {login.Get("login_hint")}, "lti_message_hint": {login.Get("lti_message_hint")},
	}
	if end := b.get(f.p.AuthURL() + "?" + replay.Encode()); end.status != http.StatusBadRequest || !strings.Contains(end.body, "lti_message_hint") {
		t.Errorf("replayed authorization: %d %s", end.status, end.body)
	}

	stale := f.launch(spec)
	f.clock.Advance(launchTTL + time.Second)
	if end := b.get(stale); end.status != http.StatusNotFound {
		t.Errorf("expired launch URL: %d, want 404", end.status)
	}
	if n := f.tool.launchCount(); n != 1 {
		t.Errorf("the tool got %d launches, want 1", n)
	}
}

// Every malformed authorization request is refused with a 400 page naming
// the parameter, nothing is posted to an unregistered redirect_uri, and a
// refused request does not use up the launch.
func TestAuthorizationRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	other := newTestTool(t, f, "other-client", false)
	cases := []struct {
		name  string
		tweak func(url.Values)
		want  string
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, "client_id"},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/steal") }, "redirect_uri"},
		{"other tool's redirect", func(q url.Values) { q.Set("redirect_uri", other.srv.URL+"/launch") }, "redirect_uri"},
		{"scope", func(q url.Values) { q.Set("scope", "profile") }, "scope"},
		{"response_type", func(q url.Values) { q.Set("response_type", "code") }, "response_type"},
		{"response_mode", func(q url.Values) { q.Set("response_mode", "query") }, "response_mode"},
		{"prompt", func(q url.Values) { q.Set("prompt", "login") }, "prompt"},
		{"nonce", func(q url.Values) { q.Del("nonce") }, "nonce"},
		{"login_hint", func(q url.Values) { q.Set("login_hint", f.seed.StudentIDs[2]) }, "login_hint"},
		{"lti_message_hint", func(q url.Values) { q.Set("lti_message_hint", "forged") }, "lti_message_hint"},
		{"another client's launch", func(q url.Values) {
			q.Set("client_id", "other-client")
			q.Set("redirect_uri", other.srv.URL+"/launch")
		}, "belongs to a launch of client vigil-client"},
	}
	b := newBrowser(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.tool.setAuthTweak(tc.tweak)
			end := b.get(f.launch(LaunchSpec{ClientID: "vigil-client", CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[0]}))
			if end.status != http.StatusBadRequest || !strings.Contains(end.body, tc.want) {
				t.Errorf("got %d, want 400 naming %q:\n%s", end.status, tc.want, end.body)
			}
			if strings.Contains(end.body, "<form") {
				t.Errorf("a refused authorization page contains a form")
			}
		})
	}
	// A refusal leaves the launch usable: fix the request and retry it.
	f.tool.setAuthTweak(func(q url.Values) { q.Set("prompt", "login") })
	launchURL := f.launch(LaunchSpec{ClientID: "vigil-client", CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[0]})
	if end := b.get(launchURL); end.status != http.StatusBadRequest {
		t.Fatalf("tweaked request: %d", end.status)
	}
	f.tool.setAuthTweak(nil)
	if end := b.get(launchURL); !strings.Contains(end.body, "tool launched") {
		t.Errorf("the launch did not survive a refused request: %d %s", end.status, end.body)
	}
	if n := f.tool.launchCount() + other.launchCount(); n != 1 {
		t.Errorf("tools got %d launches, want exactly the one valid", n)
	}
}

// An iframe launch shows a Canvas-like page: an iframe with the device
// permissions whose src performs the initiation, with lti_storage_target
// and the storage script only when asked, and no inline script.
func TestIframeLaunchPage(t *testing.T) {
	f := newFixture(t, Options{})
	for _, storage := range []bool{true, false} {
		launchURL := f.launch(LaunchSpec{CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[0], Frame: "iframe", StorageTarget: storage})
		resp, err := http.Get(launchURL)
		if err != nil {
			t.Fatal(err)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		body := readBody(t, resp)
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q is not strict", csp)
		}
		if inlineScript.MatchString(body) {
			t.Errorf("the hosting page has inline script:\n%s", body)
		}
		id := strings.TrimPrefix(launchURL, f.srv.URL+"/launch/")
		mustContain(t, "hosting page", body,
			`allow="camera *; microphone *; display-capture *; clipboard-write *"`,
			`src="/launch/`+id+`/initiate"`, `id="tool-frame"`)
		if got := strings.Contains(body, `src="/static/ltistorage.js"`); got != storage {
			t.Errorf("storage script present = %v, want %v", got, storage)
		}
		resp, err = noRedirects.Get(f.srv.URL + "/launch/" + id + "/initiate")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if got := loc.Query().Get("lti_storage_target"); (got == "_parent") != storage || (!storage && loc.Query().Has("lti_storage_target")) {
			t.Errorf("storage %v: lti_storage_target = %q", storage, got)
		}
		if end := newBrowser(t).get(f.srv.URL + "/launch/" + id + "/initiate"); !strings.Contains(end.body, "tool launched") {
			t.Fatalf("iframe initiation: %d %s", end.status, end.body)
		}
		if got := f.tool.lastLaunch().obj(claimLTI + "launch_presentation").str("document_target"); got != "iframe" {
			t.Errorf("document_target = %q, want iframe", got)
		}
	}
	js := readBody(t, mustGet(t, f.srv.URL+"/static/ltistorage.js"))
	mustContain(t, "storage script", js, "lti.capabilities.response", "unsupported_subject", "bad_request", "postMessage(answer(msg, event.origin), event.origin)")
}

// StartLaunchURL refuses launches it cannot make, naming why.
func TestStartLaunchURLRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	outsider := f.p.AddUser(User{GivenName: "Out", FamilyName: "Sider"})
	s := f.seed
	cases := []struct {
		spec LaunchSpec
		want string
	}{
		{LaunchSpec{Kind: "grade", CourseID: s.CourseID, UserID: s.InstructorID}, "Kind"},
		{LaunchSpec{CourseID: "999", UserID: s.InstructorID}, "no course"},
		{LaunchSpec{CourseID: s.CourseID, UserID: "nobody"}, "no user"},
		{LaunchSpec{CourseID: s.CourseID, UserID: outsider.ID}, "not enrolled"},
		{LaunchSpec{CourseID: s.CourseID, UserID: s.InstructorID, ClientID: "nope"}, "no registered tool"},
		{LaunchSpec{CourseID: s.CourseID, UserID: s.InstructorID, StorageTarget: true}, "StorageTarget"},
		{LaunchSpec{CourseID: s.CourseID, UserID: s.InstructorID, Initiation: "PUT"}, "Initiation"},
		{LaunchSpec{CourseID: s.CourseID, UserID: s.InstructorID, Frame: "popup"}, "Frame"},
		{LaunchSpec{Kind: LaunchProctoring, CourseID: s.CourseID, UserID: s.StudentIDs[0], ResourceLinkID: "course-nav-1"}, "quiz"},
		{LaunchSpec{Kind: LaunchEndAssessment, CourseID: s.CourseID, UserID: s.StudentIDs[0], ResourceLinkID: s.QuizIDs[0]}, "no proctoring attempt"},
	}
	for _, tc := range cases {
		if _, err := f.p.StartLaunchURL(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("StartLaunchURL(%+v) = %v, want an error naming %q", tc.spec, err, tc.want)
		}
	}
	newTestTool(t, f, "second-client", false)
	if _, err := f.p.StartLaunchURL(LaunchSpec{CourseID: s.CourseID, UserID: s.InstructorID}); err == nil || !strings.Contains(err.Error(), "2 tools") {
		t.Errorf("an empty ClientID with two tools = %v, want an error", err)
	}
	unset, _ := New(Options{})
	if _, err := unset.StartLaunchURL(LaunchSpec{}); err == nil || !strings.Contains(err.Error(), "SetBaseURL") {
		t.Errorf("a launch before SetBaseURL = %v", err)
	}
}

// Roles: an administrator who is enrolled nowhere launches with the
// institution role only; a TA carries Instructor and TeachingAssistant.
func TestLaunchRoles(t *testing.T) {
	f := newFixture(t, Options{})
	for user, want := range map[string][]any{
		f.seed.AdminID: {RoleInstitutionAdministrator},
		f.seed.TAID:    {RoleInstructor, RoleTeachingAssistant},
	} {
		newBrowser(t).get(f.launch(LaunchSpec{CourseID: f.seed.CourseID, UserID: user}))
		c := f.tool.lastLaunch()
		if c.str("sub") != user || !reflect.DeepEqual(c[claimLTI+"roles"], want) {
			t.Errorf("user %s: roles %v, want %v", user, c[claimLTI+"roles"], want)
		}
	}
}

// RotateKeys: the JWKS keeps every key, new tokens carry the new kid, and a
// token signed before the rotation still verifies against the JWKS.
func TestKeyRotation(t *testing.T) {
	f := newFixture(t, Options{})
	before, err := f.p.Sign(map[string]any{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	after, err := f.p.Sign(map[string]any{"sub": "y"})
	if err != nil {
		t.Fatal(err)
	}
	resp := mustGet(t, f.p.JWKSURL())
	if cc := resp.Header.Get("Cache-Control"); cc != "max-age=300" {
		t.Errorf("JWKS Cache-Control = %q", cc)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(readBody(t, resp)), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys after one rotation, want 2", len(set.Keys))
	}
	for _, k := range set.Keys {
		if _, private := k["d"]; private || k["alg"] != "RS256" || k["kid"] == "" {
			t.Errorf("JWKS key %v: want public RS256 with kid", k)
		}
	}
	kids := map[string]bool{}
	for _, tok := range []string{before, after} {
		msg, err := jws.Parse([]byte(tok))
		if err != nil {
			t.Fatal(err)
		}
		h := msg.Signatures()[0].ProtectedHeaders()
		kid, _ := h.KeyID()
		typ, _ := h.Type()
		kids[kid] = true
		if typ != "JWT" {
			t.Errorf("typ = %q", typ)
		}
		if _, err := f.tool.verifyPlatformJWT(tok); err != nil {
			t.Errorf("token signed with kid %s does not verify: %v", kid, err)
		}
	}
	if len(kids) != 2 {
		t.Errorf("tokens before and after rotation share a kid")
	}
	newBrowser(t).get(f.launch(LaunchSpec{CourseID: f.seed.CourseID, UserID: f.seed.InstructorID}))
	if f.tool.launchCount() != 1 {
		t.Error("no launch after rotation")
	}
}

// inlineScript matches a script element with content or an event handler
// attribute: what a strict Content-Security-Policy would block.
var inlineScript = regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=`)

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustGet(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
