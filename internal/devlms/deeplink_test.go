package devlms

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// deepLinkRequest launches deep linking as the instructor and returns the
// request's claims.
func startDeepLinking(t *testing.T, f *fixture) claims {
	t.Helper()
	end := newBrowser(t).get(f.launch(LaunchSpec{Kind: LaunchDeepLink, CourseID: f.seed.CourseID, UserID: f.seed.InstructorID}))
	if !strings.Contains(end.body, "tool launched: LtiDeepLinkingRequest") {
		t.Fatalf("deep linking launch: %d %s", end.status, end.body)
	}
	return f.tool.lastLaunch()
}

// deepLinkResponse is a valid response to a request with data.
func deepLinkResponse(f *fixture, data string, items ...map[string]any) map[string]any {
	c := f.tool.message(msgDeepLinkResponse)
	c[claimDL+"data"] = data
	list := []any{}
	for _, it := range items {
		list = append(list, it)
	}
	c[claimDL+"content_items"] = list
	return c
}

func postJWT(t *testing.T, u, jwt string) page {
	t.Helper()
	return newBrowser(t).post(u, url.Values{"JWT": {jwt}})
}

// The deep linking request carries its settings and no resource link; the
// response's item becomes a resource link of the course, listed on the
// return page, and launching it uses its URL and custom parameters.
func TestDeepLinkingFlow(t *testing.T) {
	f := newFixture(t, Options{})
	req := startDeepLinking(t, f)
	if _, has := req[claimLTI+"resource_link"]; has {
		t.Error("a deep linking request has a resource_link claim")
	}
	if got := req.str(claimLTI + "target_link_uri"); got != f.tool.reg.DeepLinkURL {
		t.Errorf("target_link_uri %q, want the tool's DeepLinkURL", got)
	}
	if logins := f.tool.lastLogin(); logins.Get("target_link_uri") != f.tool.reg.DeepLinkURL {
		t.Errorf("initiation target_link_uri %q", logins.Get("target_link_uri"))
	}
	settings := req.obj(claimDL + "deep_linking_settings")
	want := map[string]any{
		"deep_link_return_url": f.p.Issuer() + "/deep_link_return", "accept_types": []any{"ltiResourceLink"},
		"accept_presentation_document_targets": []any{"iframe", "window"}, "accept_multiple": false, "auto_create": true,
	}
	for k, v := range want {
		if !reflect.DeepEqual(settings[k], v) {
			t.Errorf("deep_linking_settings.%s = %v, want %v", k, settings[k], v)
		}
	}
	data := settings.str("data")
	if data == "" {
		t.Fatal("deep_linking_settings has no data")
	}
	item := map[string]any{
		"type": "ltiResourceLink", "title": "Proctored Midterm", "url": f.tool.srv.URL + "/launch?exam=midterm",
		"custom": map[string]any{"exam_id": "e-42"},
	}
	res := f.tool.message(msgDeepLinkResponse)
	res[claimDL+"data"] = data
	res[claimDL+"content_items"] = []any{item}
	res[claimDL+"msg"] = "Exam configured"
	end := postJWT(t, settings.str("deep_link_return_url"), f.tool.sign(res))
	if end.status != http.StatusOK {
		t.Fatalf("deep link return: %d %s", end.status, end.body)
	}
	links := f.p.DeepLinks()
	if len(links) != 1 {
		t.Fatalf("DeepLinks() has %d items, want 1", len(links))
	}
	got := links[0]
	if got.Title != "Proctored Midterm" || got.URL != item["url"] || got.Custom["exam_id"] != "e-42" ||
		got.CourseID != f.seed.CourseID || got.UserID != f.seed.InstructorID || got.ClientID != "vigil-client" || got.ResourceLinkID == "" {
		t.Errorf("recorded item %+v", got)
	}
	mustContain(t, "return page", end.body, "Proctored Midterm", got.ResourceLinkID, "Exam configured")

	newBrowser(t).get(f.launch(LaunchSpec{CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[0], ResourceLinkID: got.ResourceLinkID}))
	c := f.tool.lastLaunch()
	if c.obj(claimLTI+"resource_link").str("id") != got.ResourceLinkID || c.obj(claimLTI+"resource_link").str("title") != "Proctored Midterm" {
		t.Errorf("resource_link of the deep-linked launch: %v", c[claimLTI+"resource_link"])
	}
	if c.str(claimLTI+"target_link_uri") != got.URL || c.obj(claimLTI+"custom").str("exam_id") != "e-42" {
		t.Errorf("deep-linked launch target %q custom %v", c.str(claimLTI+"target_link_uri"), c[claimLTI+"custom"])
	}
}

// A deep linking request made from a quiz's proctoring settings names the
// quiz (custom canvas_quiz_id) and has no resource link; the item returned
// becomes the quiz's own link (its id is the quiz id), so the quiz's
// resource link launches and its proctoring messages carry the item's
// custom parameters — and every launch for the quiz names it.
func TestDeepLinkingFromAQuiz(t *testing.T) {
	f := newFixture(t, Options{})
	quiz := f.seed.QuizIDs[0]
	if _, err := f.p.StartLaunchURL(LaunchSpec{Kind: LaunchDeepLink, CourseID: f.seed.CourseID, UserID: f.seed.InstructorID, ResourceLinkID: "no-such-quiz"}); err == nil {
		t.Error("deep linking from a quiz that does not exist was started")
	}
	end := newBrowser(t).get(f.launch(LaunchSpec{Kind: LaunchDeepLink, CourseID: f.seed.CourseID, UserID: f.seed.InstructorID, ResourceLinkID: quiz}))
	if !strings.Contains(end.body, "tool launched: LtiDeepLinkingRequest") {
		t.Fatalf("deep linking launch: %d %s", end.status, end.body)
	}
	req := f.tool.lastLaunch()
	if _, has := req[claimLTI+"resource_link"]; has {
		t.Error("a deep linking request has a resource_link claim")
	}
	if got := req.obj(claimLTI + "custom").str("canvas_quiz_id"); got != quiz {
		t.Errorf("deep linking request from quiz %s: canvas_quiz_id %q", quiz, got)
	}
	item := map[string]any{"type": "ltiResourceLink", "title": "Proctored", "url": f.tool.srv.URL + "/exam",
		"custom": map[string]any{"exam_id": "e-7"}}
	data := req.obj(claimDL + "deep_linking_settings").str("data")
	if end := postJWT(t, f.p.Issuer()+"/deep_link_return", f.tool.sign(deepLinkResponse(f, data, item))); end.status != http.StatusOK {
		t.Fatalf("deep link return: %d %s", end.status, end.body)
	}
	links := f.p.DeepLinks()
	if len(links) != 1 || links[0].ResourceLinkID != quiz || links[0].QuizID != quiz {
		t.Fatalf("items %+v, want one that is quiz %s's link", links, quiz)
	}
	for _, spec := range []LaunchSpec{
		{CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[0], ResourceLinkID: quiz},
		{Kind: LaunchProctoring, CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[0], ResourceLinkID: quiz},
	} {
		newBrowser(t).get(f.launch(spec))
		c := f.tool.lastLaunch()
		custom := c.obj(claimLTI + "custom")
		if c.obj(claimLTI+"resource_link").str("id") != quiz || custom.str("exam_id") != "e-7" || custom.str("canvas_quiz_id") != quiz {
			t.Errorf("%s launch of the quiz: resource_link %v, custom %v", c.str(claimLTI+"message_type"), c[claimLTI+"resource_link"], custom)
		}
		if spec.Kind == "" && c.str(claimLTI+"target_link_uri") != item["url"] {
			t.Errorf("the quiz's link launches %q, want the item's URL", c.str(claimLTI+"target_link_uri"))
		}
	}
	// A module's link and the course menu name no quiz.
	newBrowser(t).get(f.launch(LaunchSpec{CourseID: f.seed.CourseID, UserID: f.seed.InstructorID}))
	if got, has := f.tool.lastLaunch().obj(claimLTI + "custom")["canvas_quiz_id"]; has {
		t.Errorf("the course menu launch names quiz %v", got)
	}
}

// Every deep linking response that is not a fresh, signed answer to a live
// request of this platform is refused with a 400 page naming the problem,
// and nothing is recorded.
func TestDeepLinkResponseRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	data := startDeepLinking(t, f).obj(claimDL + "deep_linking_settings").str("data")
	link := map[string]any{"type": "ltiResourceLink", "title": "Exam"}
	with := func(change func(map[string]any)) string {
		c := deepLinkResponse(f, data, link)
		change(c)
		return f.tool.sign(c)
	}
	replayed := with(func(c map[string]any) { c[claimDL+"data"] = "not-the-data" })
	postJWT(t, f.p.Issuer()+"/deep_link_return", replayed) // uses up its nonce
	cases := []struct {
		name, jwt, want string
	}{
		{"no JWT", "", "JWT"},
		{"garbage", "not.a.jwt", "JWS"},
		{"wrong data", with(func(c map[string]any) { c[claimDL+"data"] = "forged" }), "data"},
		{"replayed nonce", replayed, "nonce"},
		{"no nonce", with(func(c map[string]any) { delete(c, "nonce") }), "nonce"},
		{"wrong aud", with(func(c map[string]any) { c["aud"] = "https://other-platform.example" }), "aud"},
		{"expired", with(func(c map[string]any) { c["exp"] = f.clock.Now().Add(-time.Minute).Unix() }), "expired"},
		{"stale iat", with(func(c map[string]any) { c["iat"] = f.clock.Now().Add(-time.Hour).Unix() }), "iat"},
		{"message type", with(func(c map[string]any) { c[claimLTI+"message_type"] = msgResourceLink }), "message_type"},
		{"version", with(func(c map[string]any) { c[claimLTI+"version"] = "1.1" }), "version"},
		{"deployment", with(func(c map[string]any) { c[claimLTI+"deployment_id"] = "dep-9" }), "deployment_id"},
		{"item type", with(func(c map[string]any) {
			c[claimDL+"content_items"] = []any{map[string]any{"type": "link", "url": "https://x.example"}}
		}), "ltiResourceLink"},
		{"two items", with(func(c map[string]any) { c[claimDL+"content_items"] = []any{link, link} }), "accept_multiple"},
		{"custom not strings", with(func(c map[string]any) {
			c[claimDL+"content_items"] = []any{map[string]any{"type": "ltiResourceLink", "custom": map[string]any{"n": 3}}}
		}), "custom"},
	}
	for _, tc := range cases {
		end := postJWT(t, f.p.Issuer()+"/deep_link_return", tc.jwt)
		if end.status != http.StatusBadRequest || !strings.Contains(end.body, tc.want) {
			t.Errorf("%s: %d, want 400 naming %q:\n%s", tc.name, end.status, tc.want, end.body)
		}
	}
	if n := len(f.p.DeepLinks()); n != 0 {
		t.Errorf("refused responses recorded %d items", n)
	}
	// The request is still live for a correct answer, once.
	good := f.tool.sign(deepLinkResponse(f, data, link))
	if end := postJWT(t, f.p.Issuer()+"/deep_link_return", good); end.status != http.StatusOK {
		t.Fatalf("valid response after refusals: %d %s", end.status, end.body)
	}
	again := f.tool.sign(deepLinkResponse(f, data, link))
	if end := postJWT(t, f.p.Issuer()+"/deep_link_return", again); end.status != http.StatusBadRequest || !strings.Contains(end.body, "data") {
		t.Errorf("second answer to one request: %d", end.status)
	}
	if n := len(f.p.DeepLinks()); n != 1 {
		t.Errorf("DeepLinks() has %d items, want 1", n)
	}
}
