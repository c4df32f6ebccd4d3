package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
	"vigil/internal/web"
	"vigil/media"
)

// The authorization matrix: every route of the real router, asked by
// every kind of person, about their own course (A) and another (B),
// over real HTTP. A route added without a row here fails the test.

// Who asks. Students hold their own session's token (course A
// for "student", B for "student elsewhere"); the others are dashboard
// users: a teaching assistant (reviewer) and the instructor of A, the
// instructor of B, an LMS administrator of a platform that holds neither
// course, and Vigil's administrator.
const (
	anon = iota
	student
	studentElsewhere
	assistant
	instructor
	instructorElsewhere
	lmsAdminElsewhere
	globalAdmin
	actorCount
)

var actorNames = [actorCount]string{"anonymous", "student of A", "student of B", "TA of A", "instructor of A",
	"instructor of B", "LMS admin of another LMS", "global admin"}

// expect is a route's statuses: for each actor, asking about course A
// and about course B.
type expect [actorCount][2]int

// Classes of routes and what each actor gets. A dashboard user who may
// not see a course is told it is not found (404); one who may see but
// not change it is refused (403).
var (
	// open: public pages, the same for all.
	open200 = same(200)
	open404 = same(404)
	// dashRead: a dashboard page of a course (GET).
	dashRead = expect{{303, 303}, {303, 303}, {303, 303}, {200, 404}, {200, 404}, {404, 200}, {404, 404}, {200, 200}}
	// jsonRead: a dashboard read answered in JSON or media (no redirect
	// to sign in).
	jsonRead = expect{{401, 401}, {401, 401}, {401, 401}, {200, 404}, {200, 404}, {404, 200}, {404, 404}, {200, 200}}
	// dashChange: a change to a course (POST, redirecting when done).
	dashChange = expect{{401, 401}, {401, 401}, {401, 401}, {403, 404}, {303, 404}, {404, 303}, {404, 404}, {303, 303}}
	// adminGet and adminPost: Vigil's administration, administrators only.
	adminGet  = expect{{303, 303}, {303, 303}, {303, 303}, {404, 404}, {404, 404}, {404, 404}, {404, 404}, {200, 200}}
	adminPost = expect{{401, 401}, {401, 401}, {401, 401}, {404, 404}, {404, 404}, {404, 404}, {404, 404}, {303, 303}}
	// anyUser: a page of the signed-in user's own (no course).
	anyUser = expect{{303, 303}, {303, 303}, {303, 303}, {200, 200}, {200, 200}, {200, 200}, {200, 200}, {200, 200}}
	// capture: the capture API, by session token: only the session's own
	// student (A's on A, B's on B); another session's token is forbidden.
	capture = expect{{401, 401}, {200, 403}, {403, 200}, {401, 401}, {401, 401}, {401, 401}, {401, 401}, {401, 401}}
)

func same(status int) expect {
	var e expect
	for i := range e {
		e[i] = [2]int{status, status}
	}
	return e
}

// with changes some actors' statuses of a class.
func (e expect) with(changes map[int][2]int) expect {
	for a, s := range changes {
		e[a] = s
	}
	return e
}

// world is the two courses and the people of the matrix.
type world struct {
	srv   *testserver.Server
	users [actorCount]*proctor.User
	a, b  *courseWorld
}

// courseWorld is one course's things the routes name.
type courseWorld struct {
	course    proctor.Course
	exam      proctor.Exam
	student   proctor.Student
	session   started
	photo     int64
	violation int64
	// audioViolation is a Background Audio violation, for its sound clip.
	audioViolation int64
	export         int64
	request        int64
}

// call is one request.
type call struct {
	method, path string
	form         url.Values // posted with the actor's CSRF token
	body         []byte     // a raw body (with ctype), sent with the actor's session token
	ctype        string
	header       map[string]string
}

// row is a route: how to ask it about a course, and what each actor gets.
type row struct {
	pattern string
	call    func(c *courseWorld) call
	want    expect
}

func TestAuthorizationMatrix(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	w := newWorld(t, srv)
	rows := matrixRows()
	checkEveryRoute(t, srv, rows)
	for _, r := range rows {
		for actor := range actorCount {
			for i, c := range []*courseWorld{w.a, w.b} {
				got := w.ask(t, actor, r.call(c))
				if want := r.want[actor][i]; got != want {
					t.Errorf("%s on course %c as %s: %d, want %d", r.pattern, "AB"[i], actorNames[actor], got, want)
				}
			}
		}
	}
}

// checkEveryRoute: the table has a row for each route the router serves,
// and none for a route it does not.
func checkEveryRoute(t *testing.T, srv *testserver.Server, rows []row) {
	t.Helper()
	s, err := web.New(web.Deps{Schema: srv.Store, Blobs: srv.Blobs, Accounts: auth.NewAccounts(srv.Store, srv.Now, testserver.Logger()), Ingest: srv.Ingest, Review: srv.Review, Log: testserver.Logger(),
		Now: srv.Now, BaseURL: srv.URL, LTI: &web.LTI{Flow: srv.LTI.Flow, Keys: srv.LTI.Keys, LMS: srv.LTI.LMS}})
	if err != nil {
		t.Fatal(err)
	}
	routes := s.RoutePatterns()
	var tabled []string
	for _, r := range rows {
		tabled = append(tabled, r.pattern)
		if !slices.Contains(routes, r.pattern) {
			t.Errorf("the table has a row for %q, which the router does not serve", r.pattern)
		}
	}
	for _, p := range routes {
		if !slices.Contains(tabled, p) {
			t.Errorf("route %q has no row in the authorization matrix", p)
		}
	}
}

// ask sends a call as an actor, signed in afresh (so that signing out in
// one cell does not change the next), and returns the status.
func (w *world) ask(t *testing.T, actor int, c call) int {
	t.Helper()
	hc := &http.Client{CheckRedirect: noRedirect}
	csrf := ""
	if u := w.users[actor]; u != nil {
		hc, csrf = w.srv.SignIn(t, u)
	}
	var body io.Reader
	header := http.Header{}
	switch {
	case c.form != nil:
		f := url.Values{}
		for k, v := range c.form {
			f[k] = v
		}
		if csrf != "" {
			f.Set("csrf", csrf)
		}
		body = strings.NewReader(f.Encode())
		header.Set("Content-Type", "application/x-www-form-urlencoded")
	case c.body != nil:
		body = bytes.NewReader(c.body)
		header.Set("Content-Type", c.ctype)
	}
	if tok := w.token(actor); tok != "" && strings.HasPrefix(c.path, "/api/") {
		header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range c.header {
		header.Set(k, v)
	}
	req, err := http.NewRequest(c.method, w.srv.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// token is the actor's session token (students only).
func (w *world) token(actor int) string {
	switch actor {
	case student:
		return w.a.session.token
	case studentElsewhere:
		return w.b.session.token
	}
	return ""
}

func newWorld(t *testing.T, srv *testserver.Server) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{srv: srv}
	user := func(email string, role proctor.Role) *proctor.User {
		u := &proctor.User{Email: email, Name: email[:strings.IndexByte(email, '@')], Role: role}
		must(t, srv.Store.CreateUser(ctx, u, ""))
		return u
	}
	w.users[assistant] = user("ta@a.edu", proctor.RoleInstructor)
	w.users[instructor] = user("teacher@a.edu", proctor.RoleInstructor)
	w.users[instructorElsewhere] = user("teacher@b.edu", proctor.RoleInstructor)
	w.users[lmsAdminElsewhere] = user("lmsadmin@c.edu", proctor.RoleInstructor)
	w.users[globalAdmin] = user("root@vigil.edu", proctor.RoleAdmin)
	home := &proctor.Platform{Name: "Home LMS", Issuer: "https://lms.a.edu", ClientID: "1", AuthURL: "https://lms.a.edu/auth",
		TokenURL: "https://lms.a.edu/token", JWKSURL: "https://lms.a.edu/jwks"}
	elsewhere := &proctor.Platform{Name: "Other LMS", Issuer: "https://lms.c.edu", ClientID: "1", AuthURL: "https://lms.c.edu/auth",
		TokenURL: "https://lms.c.edu/token", JWKSURL: "https://lms.c.edu/jwks"}
	must(t, srv.Store.CreatePlatform(ctx, home))
	must(t, srv.Store.CreatePlatform(ctx, elsewhere))
	must(t, srv.Store.SetPlatformAdmin(ctx, elsewhere.ID, w.users[lmsAdminElsewhere].ID, true))
	w.a = newCourseWorld(t, srv, "A", home, w.users[instructor])
	w.b = newCourseWorld(t, srv, "B", home, w.users[instructorElsewhere])
	must(t, srv.Store.SetCourseMember(ctx, w.a.course.ID, w.users[assistant].ID, proctor.CourseReviewer))
	return w
}

func newCourseWorld(t *testing.T, srv *testserver.Server, name string, p *proctor.Platform, teacher *proctor.User) *courseWorld {
	t.Helper()
	ctx := context.Background()
	c := &courseWorld{course: proctor.Course{Code: "COURSE-" + name, Title: "Course " + name, Enabled: true}}
	must(t, srv.Store.CreateCourse(ctx, &c.course))
	must(t, srv.Store.SaveLTIContext(ctx, &proctor.LTIContext{CourseID: c.course.ID, PlatformID: p.ID, ContextID: "ctx-" + name}))
	must(t, srv.Store.SetCourseMember(ctx, c.course.ID, teacher.ID, proctor.CourseInstructor))
	c.exam = proctor.Exam{CourseID: c.course.ID, Title: "Exam " + name, Settings: proctor.DefaultSettings()}
	must(t, srv.Store.CreateExam(ctx, &c.exam))
	c.student = proctor.Student{CourseID: c.course.ID, FirstName: "Stu", LastName: name}
	must(t, srv.Store.CreateStudent(ctx, &c.student))
	f := &testserver.Fixture{Course: c.course, Exam: c.exam, Students: []proctor.Student{c.student}}
	c.session, c.photo = sessionWithMedia(t, srv, f)
	r := client{t, srv.URL}.do("PUT", chunk(c.session.id, "webcam", 0), c.session.token, "video/webm", chunkHeaders(), webm())
	if r.status != 200 {
		t.Fatalf("chunk: %d %s", r.status, r.raw)
	}
	now := time.Now().UTC()
	must(t, srv.Store.ReplaceViolations(ctx, c.session.id, []proctor.Violation{{SessionID: c.session.id, Type: proctor.LeftSession,
		Start: now.Add(-time.Minute), End: now, Confidence: 1, Applied: true},
		{SessionID: c.session.id, Type: proctor.BackgroundAudio, Start: now.Add(-30 * time.Second), End: now.Add(-20 * time.Second), Confidence: 1, Applied: true}}))
	vs, err := srv.Store.ListViolations(ctx, c.session.id)
	must(t, err)
	for _, v := range vs {
		switch v.Type {
		case proctor.LeftSession:
			c.violation = v.ID
		case proctor.BackgroundAudio:
			c.audioViolation = v.ID
		}
	}
	e := &proctor.Export{UserID: teacher.ID, CourseID: c.course.ID, ExamID: c.exam.ID, Scope: proctor.ScopeSession,
		SessionIDs: []int64{c.session.id}, Items: []proctor.ExportItem{proctor.ItemSummary}, State: proctor.ExportQueued, CreatedAt: now}
	must(t, srv.Store.CreateExport(ctx, e))
	c.export = e.ID
	req := &proctor.CourseRequest{CourseID: c.course.ID, UserID: teacher.ID, Note: "please", CreatedAt: now}
	must(t, srv.Store.CreateCourseRequest(ctx, req))
	c.request = req.ID
	return c
}

func get0(path string) func(*courseWorld) call {
	return func(*courseWorld) call { return call{method: "GET", path: path} }
}

func post0(path string, form url.Values) func(*courseWorld) call {
	return func(*courseWorld) call { return call{method: "POST", path: path, form: form} }
}

func getf(format string, id func(*courseWorld) int64) func(*courseWorld) call {
	return func(c *courseWorld) call { return call{method: "GET", path: fmt.Sprintf(format, id(c))} }
}

func postf(format string, id func(*courseWorld) int64, form url.Values) func(*courseWorld) call {
	return func(c *courseWorld) call { return call{method: "POST", path: fmt.Sprintf(format, id(c)), form: form} }
}

// apiCall is a capture API call on the course's session.
func apiCall(method, format string, ctype string, body []byte) func(*courseWorld) call {
	return func(c *courseWorld) call {
		return call{method: method, path: fmt.Sprintf(format, c.session.id), body: body, ctype: ctype, header: at(0)}
	}
}

var (
	courseID  = func(c *courseWorld) int64 { return c.course.ID }
	examID    = func(c *courseWorld) int64 { return c.exam.ID }
	sessionID = func(c *courseWorld) int64 { return c.session.id }
)

func chunkHeaders() map[string]string {
	return map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano), "X-Duration-Ms": "10000"}
}

func frameJPEG() []byte {
	b, _ := media.FS.ReadFile("webcam320/biden_headshoulders.jpg")
	return b
}
