package web_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"vigil/internal/devlms"
	vlms "vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// startBareLMS starts the development LMS with no tool registered: it
// plays an LMS (product: "moodle", "canvas") that Vigil registers with
// by itself.
func startBareLMS(t *testing.T, srv *testserver.Server, product string, host ...string) *lms {
	t.Helper()
	p, err := devlms.New(devlms.Options{Now: srv.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(p.Handler())
	t.Cleanup(hs.Close)
	base := hs.URL
	if len(host) > 0 { // another site than Vigil's (browser tests)
		base = strings.Replace(base, "127.0.0.1", host[0], 1)
	}
	p.SetBaseURL(base)
	p.SetProduct(product)
	return &lms{Platform: p, URL: base, Seed: devlms.Seed(p)}
}

// registerByURL runs a whole Dynamic Registration: a Vigil administrator's
// registration link, opened by the LMS with its parameters, confirmed on
// Vigil's page with the given form values. It returns the confirmation
// page and the final page.
func registerByURL(t *testing.T, srv *testserver.Server, l *lms, link string, extra url.Values) (string, int, string) {
	t.Helper()
	start, err := l.StartRegistration(link)
	if err != nil {
		t.Fatal(err)
	}
	c := browserClient()
	status, offer := get(t, c, start)
	if status != 200 || !strings.Contains(offer, `id="register-form"`) {
		t.Fatalf("registration page: %d\n%s", status, offer)
	}
	form := url.Values{"openid_configuration": {formValue(t, offer, "openid_configuration")},
		"registration_token": {formValue(t, offer, "registration_token")}, "name": {formValue(t, offer, "name")}}
	for k, v := range extra {
		form[k] = v
	}
	u, _ := url.Parse(start)
	status, done := postForm(t, c, srv.URL+u.Path, form)
	return offer, status, done
}

func newLink(t *testing.T, srv *testserver.Server) string {
	t.Helper()
	link, _, err := srv.LTI.LMS.NewRegistrationLink(context.Background(), vlms.Who{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return link
}

// TestDynamicRegistrationMoodle: an LMS administrator pastes one address
// into a Moodle-like LMS; Vigil registers itself (one tool: exams by the
// tool URL, dashboard and exams by deep linking; the roster scope and no
// grade scope), keeps the registration, and the LMS's launches work at
// once. The address works once. A second registration of the same LMS
// (Moodle gives every tool its own client id) joins the first: its
// launches reach the same course.
func TestDynamicRegistrationMoodle(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startBareLMS(t, srv, "moodle")
	link := newLink(t, srv)
	if !strings.HasPrefix(link, srv.URL+"/lti/register/") {
		t.Fatalf("registration link %q", link)
	}
	offer, status, done := registerByURL(t, srv, l, link, nil)
	// Vigil runs on 127.0.0.1 and a port other than 80/443 here: the page
	// says what a real Moodle would block.
	if !strings.Contains(offer, "cURL blocked hosts list") || !strings.Contains(offer, "cURL allowed ports list") {
		t.Fatalf("the registration page does not warn about Moodle's cURL security:\n%s", offer)
	}
	if status != 200 || !strings.Contains(done, `data-action="close"`) || !strings.Contains(done, "Vigil is registered") {
		t.Fatalf("registration: %d\n%s", status, done)
	}
	regs := l.Registrations()
	if len(regs) != 1 {
		t.Fatalf("the LMS holds %d registrations", len(regs))
	}
	r := regs[0]
	tool := r.Request["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	if r.AcceptGrades || len(r.Scopes) != 1 || r.Scopes[0] != "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" ||
		tool["target_link_uri"] != srv.URL+"/lti/exam" || tool["custom_parameters"] != nil {
		t.Fatalf("Vigil's registration: grades %v scopes %v tool %v", r.AcceptGrades, r.Scopes, tool)
	}
	p, err := srv.Store.FindPlatform(context.Background(), l.Issuer(), r.ClientID)
	if err != nil || !p.HasDeployment(r.DeploymentID) || p.Product != "moodle" || p.AutoEnable || p.JWKSURL != l.JWKSURL() {
		t.Fatalf("Vigil's registration of the LMS: %+v, %v", p, err)
	}
	if n, _ := srv.Store.ListAudit(context.Background(), storeFilter(proctor.AuditPlatformRegistered)); len(n) != 1 {
		t.Fatalf("audit entries for the registration: %d", len(n))
	}

	// The address is used up.
	start, _ := l.StartRegistration(link)
	if status, page := get(t, browserClient(), start); status != 400 || refusalCode(page) != "registration_link" {
		t.Fatalf("a used registration address: %d %s", status, refusalCode(page))
	}

	// An activity added from the activity chooser launches the tool URL:
	// the instructor's launch asks for the course to be turned on.
	teacher := browserClient()
	_, page := l.launch(t, teacher, devlms.LaunchSpec{ClientID: r.ClientID, CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID,
		ResourceLinkID: "activity-1", ResourceLinkTitle: "Midterm"})
	next, _, _ := continueTo(t, teacher, srv.URL, page)
	home, err := srv.Store.FindLTIContext(context.Background(), p.ID, l.Seed.CourseID)
	if err != nil || !strings.HasPrefix(next, "/courses/") {
		t.Fatalf("first launch went to %s (%v)", next, err)
	}

	// A second registration of the same LMS: the page offers to join the
	// first, checked; its launches reach the same course.
	offer, status, done = registerByURL(t, srv, l, newLink(t, srv), url.Values{"join": {itoa(p.ID)}}) // the checked choice
	if !strings.Contains(offer, `name="join" value="`+itoa(p.ID)+`" checked`) || status != 200 || !strings.Contains(done, "Vigil is registered") {
		t.Fatalf("second registration: %d\n%s", status, offer)
	}
	second := l.Registrations()[1]
	p2, err := srv.Store.FindPlatform(context.Background(), l.Issuer(), second.ClientID)
	if err != nil || p2.JoinedTo != p.ID {
		t.Fatalf("second registration %+v (%v), want it joined to %d", p2, err, p.ID)
	}
	other := browserClient()
	_, page = l.launch(t, other, devlms.LaunchSpec{ClientID: second.ClientID, CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	next, _, _ = continueTo(t, other, srv.URL, page)
	if want := "/courses/" + itoa(home.CourseID); next != want {
		t.Fatalf("a launch through the second registration went to %s, want %s (the same course)", next, want)
	}
	if _, err := srv.Store.FindLTIContext(context.Background(), p2.ID, l.Seed.CourseID); err == nil {
		t.Fatal("the second registration made a course of its own")
	}
}

// TestDynamicRegistrationRefusals: Vigil registers only through a link an
// administrator made, only with an LMS whose configuration names its own
// host as issuer, and a registration address opened in a browser says where
// to paste it.
func TestDynamicRegistrationRefusals(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startBareLMS(t, srv, "canvas")
	if status, page := get(t, browserClient(), newLink(t, srv)); status != 200 || !strings.Contains(page, `id="register-missing"`) {
		t.Fatalf("registration address opened by hand: %d\n%s", status, page)
	}
	forged := srv.URL + "/lti/register/not-a-token"
	start, _ := l.StartRegistration(forged)
	if status, page := get(t, browserClient(), start); status != 400 || refusalCode(page) != "registration_link" {
		t.Fatalf("a made-up registration address: %d %q", status, refusalCode(page))
	}
	// The configuration comes from "localhost" but names 127.0.0.1: refused.
	start, _ = l.StartRegistration(newLink(t, srv))
	u, _ := url.Parse(start)
	q := u.Query()
	q.Set("openid_configuration", strings.Replace(q.Get("openid_configuration"), "127.0.0.1", "localhost", 1))
	u.RawQuery = q.Encode()
	if status, page := get(t, browserClient(), u.String()); status != 400 || !strings.Contains(page, "not the host it came from") {
		t.Fatalf("issuer of another host: %d\n%s", status, page)
	}
	// Canvas: the registration asks for Canvas's custom fields and privacy.
	_, status, _ := registerByURL(t, srv, l, newLink(t, srv), nil)
	regs := l.Registrations()
	if status != 200 || len(regs) != 1 {
		t.Fatalf("Canvas registration: %d, %d registrations", status, len(regs))
	}
	tool := regs[0].Request["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	custom, _ := tool["custom_parameters"].(map[string]any)
	if tool["target_link_uri"] != srv.URL+"/lti/dashboard" || custom["canvas_course_id"] != "$Canvas.course.id" ||
		tool["https://canvas.instructure.com/lti/privacy_level"] != "public" {
		t.Fatalf("Canvas registration's tool configuration: %v", tool)
	}
	if len(l.Registrations()) != 1 || regs[0].AcceptGrades {
		t.Fatal("grades asked for")
	}

	// An LMS that answers without a deployment id: the registration is kept,
	// launches are refused naming the deployment, and once the administrator
	// adds it they work.
	l.OmitRegistrationDeployment(true)
	_, status, done := registerByURL(t, srv, l, newLink(t, srv), nil)
	regs = l.Registrations()
	if status != 200 || len(regs) != 2 || !strings.Contains(done, `id="no-deployment"`) {
		t.Fatalf("registration without a deployment: %d\n%s", status, done)
	}
	p, err := srv.Store.FindPlatform(context.Background(), l.Issuer(), regs[1].ClientID)
	if err != nil || len(p.Deployments) != 0 {
		t.Fatalf("kept: %+v %v", p, err)
	}
	spec := devlms.LaunchSpec{ClientID: regs[1].ClientID, CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID}
	startURL, err := l.StartLaunchURL(spec)
	if err != nil {
		t.Fatal(err)
	}
	if status, page := get(t, browserClient(), startURL); status != 400 || refusalCode(page) != "unknown_deployment" ||
		!strings.Contains(page, regs[1].DeploymentID) || !strings.Contains(page, `id="lti-request"`) {
		t.Fatalf("a launch from the unknown deployment: %d\n%s", status, page)
	}
	p.Deployments = []string{regs[1].DeploymentID}
	if err := srv.LTI.LMS.SavePlatform(context.Background(), vlms.Who{Name: "test"}, p); err != nil {
		t.Fatal(err)
	}
	if status, page := l.launch(t, browserClient(), spec); status != 200 || refusalCode(page) != "" {
		t.Fatalf("after adding the deployment: %d\n%s", status, page)
	}
}

// TestDashboardByDeepLinkingAndJoinedRegistrations: the deep-linking picker
// offers the course dashboard beside exams; the placed link opens the
// dashboard for instructors and says so to students, whatever its target.
// A second registration (another client id, as Moodle makes for a second
// tool) first makes a second course; an administrator joins it to the
// first, the empty copy is switched off and its launches reach the first
// course.
func TestDashboardByDeepLinkingAndJoinedRegistrations(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	teacher := browserClient()
	_, page := l.launch(t, teacher, devlms.LaunchSpec{Kind: devlms.LaunchDeepLink, CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	_, status, body := continueTo(t, teacher, srv.URL, page)
	if status != 200 || !strings.Contains(body, `id="place-dashboard"`) {
		t.Fatalf("the picker offers no dashboard: %d\n%s", status, body)
	}
	form := url.Values{"csrf": {formValue(t, body, "csrf")}, "k": {formValue(t, body, "k")}, "course": {formValue(t, body, "course")},
		"dashboard": {"1"}}
	status, ret := postForm(t, teacher, srv.URL+"/lti/deep-link", form)
	action, fields, err := devlms.ParseAutoPostForm([]byte(ret))
	if status != 200 || err != nil {
		t.Fatalf("dashboard placement: %d %v", status, err)
	}
	if !strings.Contains(ret, `id="return-trouble"`) || !strings.Contains(ret, srv.URL+"/lti/jwks") || !strings.Contains(ret, "cURL allowed ports list") {
		t.Fatalf("the return page does not say what to check should the LMS fail:\n%s", ret)
	}
	if status, _ := postForm(t, teacher, action, fields); status != 200 {
		t.Fatalf("the LMS refused the deep linking response: %d", status)
	}
	items := l.DeepLinks()
	if len(items) != 1 || items[0].URL != srv.URL+"/lti/dashboard" || items[0].Custom["vigil_target"] != "dashboard" {
		t.Fatalf("placed: %+v", items)
	}
	// Even when the LMS launches it at the exam URL (Moodle retargets
	// activities when the tool URL changes), the link is the dashboard.
	_, page = l.launch(t, browserClient(), devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID,
		ResourceLinkID: items[0].ResourceLinkID, TargetLinkURI: srv.URL + "/lti/exam"})
	next, _, _ := continueTo(t, browserClient(), srv.URL, page)
	x, err := srv.Store.FindLTIContext(context.Background(), l.Reg.ID, l.Seed.CourseID)
	if err != nil || next != "/courses/"+itoa(x.CourseID) {
		t.Fatalf("the dashboard link opened %s (%v)", next, err)
	}
	if exams, _ := srv.Store.ListExams(context.Background(), x.CourseID); len(exams) != 0 {
		t.Fatalf("the dashboard link made %d exam(s)", len(exams))
	}
	_, page = l.launch(t, browserClient(), devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.StudentIDs[0],
		ResourceLinkID: items[0].ResourceLinkID})
	if !strings.Contains(page, "dashboard is for instructors") {
		t.Fatalf("a student at the dashboard link:\n%s", page)
	}

	// A second tool registration of the same LMS, registered by hand.
	err = l.RegisterTool(devlms.Tool{ClientID: "vigil-second", DeploymentID: "2", LoginURL: srv.URL + "/lti/login",
		RedirectURIs: []string{srv.URL + "/lti/launch"}, TargetLinkURI: srv.URL + "/lti/dashboard", JWKSURL: srv.URL + "/lti/jwks"})
	if err != nil {
		t.Fatal(err)
	}
	second := &proctor.Platform{Name: "Dev LMS dashboard", Issuer: l.Issuer(), ClientID: "vigil-second", AuthURL: l.AuthURL(),
		TokenURL: l.TokenURL(), JWKSURL: l.JWKSURL(), Deployments: []string{"2"}, AutoEnable: true}
	if err := srv.LTI.LMS.SavePlatform(context.Background(), vlms.Who{Name: "test"}, second); err != nil {
		t.Fatal(err)
	}
	// The login initiation names the registration by deployment alone.
	_, page = l.launch(t, browserClient(), devlms.LaunchSpec{ClientID: "vigil-second", CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID,
		OmitClientID: true})
	next, _, _ = continueTo(t, browserClient(), srv.URL, page)
	copyCourse, err := srv.Store.FindLTIContext(context.Background(), second.ID, l.Seed.CourseID)
	if err != nil || next == "/courses/"+itoa(x.CourseID) {
		t.Fatalf("before joining, the second registration's launch went to %s (%v)", next, err)
	}
	admin := &proctor.User{Email: "root@example.edu", Name: "Root Admin", Role: proctor.RoleAdmin}
	if err := srv.Store.CreateUser(context.Background(), admin, ""); err != nil {
		t.Fatal(err)
	}
	c, csrf := srv.SignIn(t, admin)
	res := post(t, c, srv.URL+"/admin/platforms/"+itoa(second.ID)+"/join", url.Values{"csrf": {csrf}, "into": {itoa(l.Reg.ID)}})
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "joined") {
		t.Fatalf("join: %d %s", res.StatusCode, loc)
	}
	if c, _ := srv.Store.GetCourse(context.Background(), copyCourse.CourseID); c.Enabled {
		t.Fatal("the empty second course is still on")
	}
	_, page = l.launch(t, browserClient(), devlms.LaunchSpec{ClientID: "vigil-second", CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	next, _, _ = continueTo(t, browserClient(), srv.URL, page)
	if next != "/courses/"+itoa(x.CourseID) {
		t.Fatalf("after joining, the second registration's launch went to %s, want the first course", next)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// lockedBuffer is a log an HTTP server writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRefusalPageRequestIDInLog: a refusal page's request id is the id
// of the log line that says why, and a launch's log line names its outcome
// in words.
func TestRefusalPageRequestIDInLog(t *testing.T) {
	var log lockedBuffer
	srv := testserver.Start(t, testserver.Options{NoWorker: true, LogTo: &log})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	status, page := get(t, browserClient(), srv.URL+"/lti/login?iss=https%3A%2F%2Fnobody.example.edu&login_hint=1&target_link_uri="+
		url.QueryEscape(srv.URL+"/lti/dashboard"))
	m := regexp.MustCompile(`<code id="lti-request">([0-9a-f]+)</code>`).FindStringSubmatch(page)
	if status != 400 || m == nil || refusalCode(page) != "unknown_platform" {
		t.Fatalf("refusal page: %d\n%s", status, page)
	}
	var line string
	for _, l := range strings.Split(log.String(), "\n") {
		if strings.Contains(l, "id="+m[1]) && strings.Contains(l, "lti launch refused") {
			line = l
		}
	}
	if !strings.Contains(line, "code=unknown_platform") {
		t.Fatalf("no log line with the page's request id %s:\n%s", m[1], log.String())
	}
	l.launch(t, browserClient(), devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	if !strings.Contains(log.String(), "outcome=dashboard") {
		t.Fatalf("the launch's log line does not name its outcome:\n%s", log.String())
	}
}
