package devlms

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// actAs makes a browser act as a user and returns the course home page.
func actAs(t *testing.T, f *fixture, userID string) (*browser, page) {
	t.Helper()
	b := newBrowser(t)
	home := b.post(f.p.Issuer()+"/act-as", url.Values{"user": {userID}, "course": {f.seed.CourseID}})
	if home.status != http.StatusOK {
		t.Fatalf("act as %s: %d %s", userID, home.status, home.body)
	}
	return b, home
}

// uiForm finds the launch form whose button says label and returns its
// hidden fields.
func uiForm(t *testing.T, body, label string) url.Values {
	t.Helper()
	for _, form := range regexp.MustCompile(`(?s)<form method="post" action="/ui/launch"[^>]*>.*?</form>`).FindAllString(body, -1) {
		if strings.Contains(form, label) {
			_, fields, err := ParseAutoPostForm([]byte(form))
			if err != nil {
				t.Fatal(err)
			}
			return fields
		}
	}
	t.Fatalf("no launch form labelled %q in:\n%s", label, body)
	return nil
}

// The home page lists people and courses; each role sees its launches,
// and the launch buttons go through real LTI launches. No page has inline
// script.
func TestHomePageAndLaunchButtons(t *testing.T) {
	f := newFixture(t, Options{})
	anon := newBrowser(t).get(f.p.Issuer() + "/")
	mustContain(t, "home page", anon.body, "Act as Ada Okafor", "Act as Priya Raman", "BIO-101 Biology", "Act as someone")
	if csp := anon.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("home CSP %q", csp)
	}

	teacher, home := actAs(t, f, f.seed.InstructorID)
	mustContain(t, "instructor's course page", home.body, "acting as <strong>Ada Okafor</strong>", "Add proctored exam (Deep Linking)", "final-bio", ">Vigil</button>")
	if strings.Contains(home.body, "Start proctored attempt") {
		t.Error("an instructor is offered a proctored attempt")
	}
	nav := teacher.post(f.p.Issuer()+"/ui/launch", uiForm(t, home.body, ">Vigil</button>"))
	mustContain(t, "course navigation launch", nav.body, `id="tool-frame"`, `src="/static/ltistorage.js"`)
	src := regexp.MustCompile(`src="(/launch/[0-9a-f]+/initiate)"`).FindStringSubmatch(nav.body)
	if src == nil {
		t.Fatalf("no iframe src in %s", nav.body)
	}
	if end := teacher.get(f.p.Issuer() + src[1]); !strings.Contains(end.body, "tool launched: LtiResourceLinkRequest") {
		t.Fatalf("iframe launch: %d %s", end.status, end.body)
	}
	if f.tool.lastLogin().Get("lti_storage_target") != "_parent" {
		t.Error("the course navigation launch does not offer platform storage")
	}
	dl := teacher.post(f.p.Issuer()+"/ui/launch", uiForm(t, home.body, "Add proctored exam (Deep Linking)"))
	if !strings.Contains(dl.body, "tool launched: LtiDeepLinkingRequest") {
		t.Fatalf("deep linking button: %d %s", dl.status, dl.body)
	}

	student, home := actAs(t, f, f.seed.StudentIDs[0])
	mustContain(t, "student's course page", home.body, "Take quiz", "Start proctored attempt (LTI Proctoring)")
	if strings.Contains(home.body, "final-bio") || strings.Contains(home.body, "Add proctored exam") {
		t.Error("a student sees the access code or the deep linking button")
	}
	proctored := student.post(f.p.Issuer()+"/ui/launch", uiForm(t, home.body, "Start proctored attempt"))
	if !strings.Contains(proctored.body, "tool launched: LtiStartProctoring") {
		t.Fatalf("proctoring button: %d %s", proctored.status, proctored.body)
	}
	for _, p := range []page{anon, home, nav} {
		if inlineScript.MatchString(p.body) {
			t.Errorf("inline script in %s", p.url)
		}
	}
	// The attempt and the deep linking request show on the course page.
	_, home = actAs(t, f, f.seed.StudentIDs[0])
	mustContain(t, "course page after a proctored launch", home.body, "Proctoring attempts", AttemptProctoring)
}

// The student's quiz page asks for the access code, refuses a wrong one,
// and lets the right one in; quizzes without a code open at once.
func TestTakeQuizAccessCode(t *testing.T) {
	f := newFixture(t, Options{})
	b, _ := actAs(t, f, f.seed.StudentIDs[1])
	take := f.p.Issuer() + "/courses/" + f.seed.CourseID + "/quizzes/" + f.seed.QuizIDs[1] + "/take"
	ask := b.get(take)
	mustContain(t, "access code page", ask.body, "Access code required", `<label for="access-code">Access code</label>`)
	if wrong := b.post(take, url.Values{"access_code": {"guess"}}); wrong.status != http.StatusForbidden || !strings.Contains(wrong.body, "not correct") {
		t.Errorf("wrong code: %d %s", wrong.status, wrong.body)
	}
	if right := b.post(take, url.Values{"access_code": {"final-bio"}}); right.status != http.StatusOK || !strings.Contains(right.body, "Quiz in progress") {
		t.Errorf("right code: %d %s", right.status, right.body)
	}
	submit := strings.Replace(take, "/take", "/submit", 1)
	if skipped := b.post(submit, url.Values{}); skipped.status != http.StatusForbidden {
		t.Errorf("submitting without the code: %d", skipped.status)
	}
	if done := b.post(submit, url.Values{"access_code": {"final-bio"}}); !strings.Contains(done.body, "Quiz submitted") {
		t.Errorf("submit: %d %s", done.status, done.body)
	}
	open := b.get(f.p.Issuer() + "/courses/" + f.seed.CourseID + "/quizzes/" + f.seed.QuizIDs[0] + "/take")
	mustContain(t, "quiz without a code", open.body, "Quiz in progress")

	draft := f.p.AddQuiz(f.seed.CourseID, Quiz{Title: "Draft"})
	if hidden := b.get(f.p.Issuer() + "/courses/" + f.seed.CourseID + "/quizzes/" + draft.ID + "/take"); hidden.status != http.StatusNotFound {
		t.Errorf("an unpublished quiz for a student: %d", hidden.status)
	}
	if anon := newBrowser(t).get(take); anon.status != http.StatusUnauthorized {
		t.Errorf("no user: %d", anon.status)
	}
}

// ParseAutoPostForm decodes the entities html/template writes and refuses
// pages without a complete form.
func TestParseAutoPostForm(t *testing.T) {
	page := `<p>x</p><form method="post" action="https://tool.example/launch?a=1&amp;b=2" data-autopost>
<input type="hidden" name="id_token" value="a.b.c">
<input type="hidden" name="state" value="&#34;q&#34; &lt;x&gt;">
<button type="submit">Continue</button></form><form action="/other"><input name="no"></form>`
	action, fields, err := ParseAutoPostForm([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if action != "https://tool.example/launch?a=1&b=2" || fields.Get("id_token") != "a.b.c" || fields.Get("state") != `"q" <x>` || fields.Has("no") {
		t.Errorf("got %s %v", action, fields)
	}
	if _, _, err := ParseAutoPostForm([]byte(`<form action="/x"><input name="a" value="b">`)); err == nil {
		t.Error("an unclosed form parsed")
	}
}

// Seed makes the demo course with its people, roles and quizzes.
func TestSeed(t *testing.T) {
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := Seed(p)
	if len(s.StudentIDs) != 3 || len(s.QuizIDs) != 2 {
		t.Fatalf("seed %+v", s)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.state.course(s.CourseID); c == nil || c.Label != "BIO-101" || c.Title != "Biology" {
		t.Errorf("course %+v", c)
	}
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(s.CourseID) || s.CourseID == s.InstructorID {
		t.Errorf("ids %q and %q should be distinct numbers", s.CourseID, s.InstructorID)
	}
	if !p.state.isTeacher(s.CourseID, s.TAID) || p.state.isTeacher(s.CourseID, s.StudentIDs[0]) || !p.state.isTeacher(s.CourseID, s.AdminID) {
		t.Error("teacher rights: TA and admin yes, student no")
	}
	if admin := p.state.user(s.AdminID); !admin.Admin || p.state.roles(s.CourseID, s.AdminID) != nil {
		t.Errorf("admin %+v should be an admin enrolled nowhere", admin)
	}
	if q := p.state.quiz(s.CourseID, s.QuizIDs[1]); q.AccessCode != "final-bio" || !q.Published {
		t.Errorf("final exam %+v", q)
	}
}
