package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/media"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// analysedSession plays a short session with a 10-second absence and a
// blacklisted key, and waits for its verdict.
func analysedSession(t *testing.T, srv *testserver.Server, f *testserver.Fixture) *proctor.Session {
	t.Helper()
	sc := &scenario.Scenario{Name: "t", Duration: 40, FPS: 1,
		Video: []scenario.VideoSpan{{From: 0, To: 15, Frames: "webcam320/biden_headshoulders.jpg"},
			{From: 15, To: 25, Frames: "frames/desk_empty_dlib/*.jpg"}, {From: 25, To: 40, Frames: "webcam320/biden_headshoulders.jpg"}},
		Events: []scenario.Event{{At: 30, Kind: proctor.EventKey, Combo: "Ctrl+C"}},
		Photos: []scenario.Photo{{Purpose: proctor.PurposeVerification, Kind: proctor.PhotoFace, File: "webcam320/derived_biden_dark.jpg"},
			{Purpose: proctor.PurposeVerification, Kind: proctor.PhotoFace, File: "webcam320/biden_headshoulders.jpg"},
			{Purpose: proctor.PurposeOnboarding, Kind: proctor.PhotoFace, File: "webcam320/biden_headshoulders.jpg"}}}
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	res, err := c.Play(context.Background(), srv.Link(t, f, 0), sc, time.Now().UTC().Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return srv.WaitAnalysed(t, res.Session.ID)
}

func TestDashboardPages(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sess := analysedSession(t, srv, f)
	c, csrf := srv.SignIn(t, &f.Instructor)
	base := srv.URL
	pages := []struct {
		path string
		want []string
	}{
		{fmt.Sprintf("/courses/%d", f.Course.ID), []string{"Midterm", "View Sessions", fmt.Sprintf(`href="/exams/%d/sessions"`, f.Exam.ID)}},
		{fmt.Sprintf("/exams/%d/sessions", f.Exam.ID), []string{"Student List", `target="_blank"`, "Ada", "Left Session", "Keystrokes", `aria-sort="ascending"`}},
		{fmt.Sprintf("/exams/%d/sessions?sort=keystrokes&dir=desc", f.Exam.ID), []string{`aria-sort="descending"`}},
		{fmt.Sprintf("/sessions/%d", sess.ID), []string{"Video Monitoring", `id="timeline"`, "does not change any grade", "Left Session", "player."}},
		{fmt.Sprintf("/sessions/%d?tab=violations", sess.ID), []string{"No face visible for 10 s", "list of blacklisted keys", `name="decision"`, "snapshots."}},
		{fmt.Sprintf("/sessions/%d?tab=scans", sess.ID), []string{"too dark", "one face found", "Failed", "Passed"}},
		{fmt.Sprintf("/sessions/%d?tab=onboarding", sess.ID), []string{"Onboarding profile", "Incomplete"}},
	}
	for _, p := range pages {
		status, body := get(t, c, base+p.path)
		if status != 200 {
			t.Fatalf("GET %s: %d\n%s", p.path, status, body)
		}
		for _, w := range p.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: page lacks %q", p.path, w)
			}
		}
	}
	status, body := get(t, c, fmt.Sprintf("%s/sessions/%d/timeline.json", base, sess.ID))
	if status != 200 || !strings.Contains(body, `"left_session"`) || !strings.Contains(body, `"frames":[[0,0],[1,1000]`) {
		t.Fatalf("timeline: %d %.300s", status, body)
	}
	if status, body := get(t, c, fmt.Sprintf("%s/media/sessions/%d/frames/3", base, sess.ID)); status != 200 || !strings.HasPrefix(body, "\xff\xd8") {
		t.Fatalf("frame image: %d", status)
	}
	checkDecisions(t, srv, c, csrf, sess)
}

// checkDecisions excuses every applied violation and marks the session
// reviewed: the reviewed verdict and the audit log follow.
func checkDecisions(t *testing.T, srv *testserver.Server, c *http.Client, csrf string, sess *proctor.Session) {
	t.Helper()
	ctx := context.Background()
	vs, _ := srv.Store.ListViolations(ctx, sess.ID)
	if res := post(t, c, fmt.Sprintf("%s/violations/%d/decision", srv.URL, vs[0].ID), url.Values{"decision": {"excused"}, "note": {"x"}}); res.StatusCode != 403 {
		t.Fatalf("decision without CSRF token: %d, want 403", res.StatusCode)
	}
	for _, v := range vs {
		res := post(t, c, fmt.Sprintf("%s/violations/%d/decision", srv.URL, v.ID), url.Values{"csrf": {csrf}, "decision": {"excused"}, "note": {"webcam glitch"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("decision: %d", res.StatusCode)
		}
	}
	post(t, c, fmt.Sprintf("%s/sessions/%d/reviewed", srv.URL, sess.ID), url.Values{"csrf": {csrf}, "reviewed": {"true"}})
	post(t, c, fmt.Sprintf("%s/sessions/%d/notes", srv.URL, sess.ID), url.Values{"csrf": {csrf}, "note": {"Talked to the student."}})
	got, _ := srv.Store.GetSession(ctx, sess.ID)
	if !got.Reviewed || got.ReviewedVerdict != proctor.VerdictPass {
		t.Fatalf("after excusing all and review: reviewed=%v verdict %q", got.Reviewed, got.ReviewedVerdict)
	}
	vs, _ = srv.Store.ListViolations(ctx, sess.ID)
	if vs[0].Decision != proctor.DecisionExcused || vs[0].DecisionNote != "webcam glitch" {
		t.Fatalf("decision not stored: %+v", vs[0])
	}
	entries, _ := srv.Store.ListAudit(ctx, store.AuditFilter{})
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
	}
	for _, a := range []string{proctor.AuditSessionView, proctor.AuditViolationDecide, proctor.AuditSessionReviewed, proctor.AuditSessionNote} {
		if !seen[a] {
			t.Errorf("no %s entry in the audit log", a)
		}
	}
}

func TestDashboardAccess(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sess := analysedSession(t, srv, f)
	ctx := context.Background()
	stranger := proctor.User{Email: "other@example.edu", Name: "Other Teacher", Role: proctor.RoleInstructor}
	if err := srv.Store.CreateUser(ctx, &stranger, ""); err != nil {
		t.Fatal(err)
	}
	sc, _ := srv.SignIn(t, &stranger)
	for _, p := range []string{
		fmt.Sprintf("/courses/%d", f.Course.ID), fmt.Sprintf("/exams/%d/sessions", f.Exam.ID), fmt.Sprintf("/sessions/%d", sess.ID),
		fmt.Sprintf("/sessions/%d/timeline.json", sess.ID), fmt.Sprintf("/media/sessions/%d/frames/0", sess.ID),
	} {
		if status, _ := get(t, sc, srv.URL+p); status != 404 {
			t.Errorf("instructor of another course: GET %s = %d, want 404", p, status)
		}
	}
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, _ := anon.Get(fmt.Sprintf("%s/sessions/%d", srv.URL, sess.ID))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
		t.Fatalf("anonymous page view: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if status, _ := get(t, anon, fmt.Sprintf("%s/media/sessions/%d/frames/0", srv.URL, sess.ID)); status != 401 {
		t.Fatalf("anonymous media read: %d, want 401", status)
	}
	admin := proctor.User{Email: "root@example.edu", Name: "Root", Role: proctor.RoleAdmin}
	srv.Store.CreateUser(ctx, &admin, "")
	ac, _ := srv.SignIn(t, &admin)
	if status, _ := get(t, ac, fmt.Sprintf("%s/sessions/%d", srv.URL, sess.ID)); status != 200 {
		t.Fatalf("admin: %d", status)
	}
}

// formClient keeps cookies, like a browser.
func formClient() *http.Client {
	jar := newJar()
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `name="csrf" value="`)
	if i < 0 {
		t.Fatalf("no csrf field in %.200s", body)
	}
	rest := body[i+len(`name="csrf" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestSignIn(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	hash, _ := auth.HashPassword("a long enough password")
	u := proctor.User{Email: "pat@example.edu", Name: "Pat", Role: proctor.RoleInstructor}
	if err := srv.Store.CreateUser(context.Background(), &u, hash); err != nil {
		t.Fatal(err)
	}
	c := formClient()
	_, body := get(t, c, srv.URL+"/signin?next=/courses/1")
	tok := csrfOf(t, body)
	wrong := post(t, c, srv.URL+"/signin", url.Values{"csrf": {tok}, "email": {"pat@example.edu"}, "password": {"nope nope nope"}})
	if wrong.StatusCode != 401 {
		t.Fatalf("wrong password: %d", wrong.StatusCode)
	}
	forged := post(t, formClient(), srv.URL+"/signin", url.Values{"csrf": {tok}, "email": {"pat@example.edu"}, "password": {"a long enough password"}})
	if forged.StatusCode != 401 {
		t.Fatalf("sign-in without the form's cookie: %d", forged.StatusCode)
	}
	ok := post(t, c, srv.URL+"/signin", url.Values{"csrf": {tok}, "email": {"PAT@example.edu"}, "password": {"a long enough password"}, "next": {"/courses/1"}})
	if ok.StatusCode != http.StatusSeeOther || ok.Header.Get("Location") != "/courses/1" {
		t.Fatalf("sign-in: %d %s", ok.StatusCode, ok.Header.Get("Location"))
	}
	if status, body := get(t, c, srv.URL+"/?all=1"); status != 200 || !strings.Contains(body, "Pat") {
		t.Fatalf("after sign-in: %d", status)
	}
	evil := post(t, c, srv.URL+"/signin", url.Values{"csrf": {tok}, "email": {"pat@example.edu"}, "password": {"a long enough password"}, "next": {"//evil.example/"}})
	if evil.Header.Get("Location") != "/" {
		t.Fatalf("open redirect: %s", evil.Header.Get("Location"))
	}

	for range 12 {
		post(t, c, srv.URL+"/signin", url.Values{"csrf": {tok}, "email": {"pat@example.edu"}, "password": {"guess guess guess"}})
	}
	res, _ := c.PostForm(srv.URL+"/signin", url.Values{"csrf": {tok}, "email": {"pat@example.edu"}, "password": {"a long enough password"}})
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 401 || !strings.Contains(string(b), "Too many sign-in attempts") {
		t.Fatalf("sign-in after a dozen wrong guesses: %d", res.StatusCode)
	}

	link := srv.SignInLink(t, &u)
	lc := formClient()
	_, body = get(t, lc, link)
	if res := post(t, lc, link, url.Values{"csrf": {csrfOf(t, body)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("one-time link: %d", res.StatusCode)
	}
	lc2 := formClient()
	_, body = get(t, lc2, link)
	res, _ = lc2.PostForm(link, url.Values{"csrf": {csrfOf(t, body)}})
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 401 || !strings.Contains(string(b), "already used") {
		t.Fatalf("second use of a one-time link: %d", res.StatusCode)
	}
}

// TestInstructorIssuesSessionLink: the Student List gives an instructor a
// student's session link, shown once; it opens the student's page and
// starts a session. Another course's instructor cannot issue one.
func TestInstructorIssuesSessionLink(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 2, nil)
	hc, csrf := srv.SignIn(t, &f.Instructor)
	status, body := get(t, hc, fmt.Sprintf("%s/exams/%d/sessions", srv.URL, f.Exam.ID))
	if status != 200 || !strings.Contains(body, "Create a session link") || !strings.Contains(body, f.Students[1].FullName()) {
		t.Fatalf("Student List (%d) has no session link form for the roster", status)
	}
	res, err := hc.PostForm(fmt.Sprintf("%s/exams/%d/links", srv.URL, f.Exam.ID), url.Values{"csrf": {csrf}, "student": {fmt.Sprint(f.Students[1].ID)}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`value="http://127\.0\.0\.1:\d+/s/([A-Za-z0-9_-]+)"`).FindSubmatch(page)
	if res.StatusCode != 200 || m == nil || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("issue link: %d, cache %q, link found: %v", res.StatusCode, res.Header.Get("Cache-Control"), m != nil)
	}
	if status, _ := get(t, http.DefaultClient, srv.URL+"/s/"+string(m[1])); status != 200 {
		t.Fatalf("the student's page: %d", status)
	}
	s := start(t, client{t, srv.URL}, string(m[1]))
	sess, err := srv.Store.GetSession(context.Background(), s.id)
	if err != nil || sess.StudentID != f.Students[1].ID {
		t.Fatalf("the link started %+v (%v), want a session of student %d", sess, err, f.Students[1].ID)
	}

	other := proctor.User{Email: "other@example.edu", Name: "Other", Role: proctor.RoleInstructor}
	if err := srv.Store.CreateUser(context.Background(), &other, ""); err != nil {
		t.Fatal(err)
	}
	oc, ocsrf := srv.SignIn(t, &other)
	if r := post(t, oc, fmt.Sprintf("%s/exams/%d/links", srv.URL, f.Exam.ID), url.Values{"csrf": {ocsrf}, "student": {fmt.Sprint(f.Students[0].ID)}}); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
		t.Fatalf("another course's instructor issued a link: %d", r.StatusCode)
	}
	if r := post(t, hc, fmt.Sprintf("%s/exams/%d/links", srv.URL, f.Exam.ID), url.Values{"csrf": {csrf}, "student": {"x"}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("no student chosen: %d, want 400", r.StatusCode)
	}
}

// TestFormsRefuseUnstorableText: a note with a NUL byte (which PostgreSQL
// cannot store) is refused with a clear page, and nothing is stored.
func TestFormsRefuseUnstorableText(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	s := start(t, client{t, srv.URL}, srv.Link(t, f, 0))
	c, csrf := srv.SignIn(t, &f.Instructor)
	for _, body := range []string{"a\x00b", "bad \xff utf-8"} {
		res := post(t, c, fmt.Sprintf("%s/sessions/%d/notes", srv.URL, s.id), url.Values{"csrf": {csrf}, "note": {body}})
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("note %q: %d, want 400", body, res.StatusCode)
		}
	}
	if notes, _ := srv.Store.ListNotes(context.Background(), s.id); len(notes) != 0 {
		t.Fatalf("stored %d notes", len(notes))
	}
	// The same form with plain text is taken (the refusal above is the text's).
	post(t, c, fmt.Sprintf("%s/sessions/%d/notes", srv.URL, s.id), url.Values{"csrf": {csrf}, "note": {"plain note"}})
	if notes, _ := srv.Store.ListNotes(context.Background(), s.id); len(notes) != 1 {
		t.Fatalf("a plain note: %d stored", len(notes))
	}
}
