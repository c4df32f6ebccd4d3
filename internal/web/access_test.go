package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/devlms"
	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// lmsSession is an LMS course (made by its instructor's launch, roster
// read) with an exam and a student's session holding one frame.
type lmsSession struct {
	courseID int64
	exam     proctor.Exam
	session  started
	teacher  *http.Client
}

func newLMSSession(t *testing.T, srv *testserver.Server, l *lms) *lmsSession {
	t.Helper()
	ctx := context.Background()
	ls := &lmsSession{teacher: browserClient()}
	teacherLaunch(t, srv, l, ls.teacher, l.Seed.InstructorID)
	x := waitRoster(t, srv)
	ls.courseID = x.CourseID
	ls.exam = proctor.Exam{CourseID: x.CourseID, Title: "Quiz 1", Settings: proctor.DefaultSettings()}
	if err := srv.Store.CreateExam(ctx, &ls.exam); err != nil {
		t.Fatal(err)
	}
	st := mustStudents(t, srv, x.CourseID)[0]
	tok, err := ingest.IssueLink(ctx, srv.Store, ingest.LinkRequest{ExamID: ls.exam.ID, StudentID: st.ID, TTL: time.Hour, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ls.session = start(t, client{t, srv.URL}, tok)
	uploadFrame(t, srv, ls.session)
	return ls
}

// teacherLaunch launches a teacher (or an administrator) from the course
// and follows them onto the dashboard page the launch leads to.
func teacherLaunch(t *testing.T, srv *testserver.Server, l *lms, c *http.Client, userID string) string {
	t.Helper()
	status, page := l.launch(t, c, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: userID})
	if status != 200 {
		t.Fatalf("launch of %s: %d\n%s", userID, status, page)
	}
	next, status, _ := continueTo(t, c, srv.URL, page)
	if status != 200 {
		t.Fatalf("launch of %s leads to %s: %d", userID, next, status)
	}
	return next
}

// reads are the pages and media of the session a reviewer may open.
func (ls *lmsSession) reads(base string) []string {
	return []string{
		fmt.Sprintf("%s/sessions/%d", base, ls.session.id),
		fmt.Sprintf("%s/sessions/%d/timeline.json", base, ls.session.id),
		fmt.Sprintf("%s/media/sessions/%d/frames/0", base, ls.session.id),
		fmt.Sprintf("%s/exams/%d/sessions", base, ls.exam.ID),
	}
}

func wantStatus(t *testing.T, c *http.Client, u string, want int) {
	t.Helper()
	if status, body := get(t, c, u); status != want {
		t.Fatalf("GET %s: %d, want %d\n%.300s", u, status, want, body)
	}
}

// TestAssistantReviewsReadOnly: a teaching assistant launched from the
// LMS opens the session, its timeline and its frames, but every change
// (notes, reviewed mark, settings, session links, exports) is refused.
func TestAssistantReviewsReadOnly(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	ls := newLMSSession(t, srv, l)
	ta := browserClient()
	teacherLaunch(t, srv, l, ta, l.Seed.TAID)
	for _, u := range ls.reads(srv.URL) {
		wantStatus(t, ta, u, 200)
	}
	_, page := get(t, ta, fmt.Sprintf("%s/sessions/%d", srv.URL, ls.session.id))
	if !strings.Contains(page, `id="read-only"`) || strings.Contains(page, `id="export-form"`) || strings.Contains(page, `name="note"`) {
		t.Fatal("the session page offers a teaching assistant forms they may not use")
	}
	if _, mine := get(t, ls.teacher, fmt.Sprintf("%s/sessions/%d", srv.URL, ls.session.id)); strings.Contains(mine, `id="read-only"`) ||
		!strings.Contains(mine, `id="export-form"`) {
		t.Fatal("the instructor's session page lacks its forms")
	}
	for _, u := range []string{fmt.Sprintf("%s/exams/%d/settings", srv.URL, ls.exam.ID), fmt.Sprintf("%s/exams/%d/sessions", srv.URL, ls.exam.ID)} {
		if _, page := get(t, ta, u); strings.Contains(page, `id="save-settings"`) || strings.Contains(page, `id="save-accommodation"`) ||
			strings.Contains(page, `id="export-form"`) || strings.Contains(page, `id="issue-link"`) {
			t.Fatalf("%s offers a teaching assistant forms they may not use", u)
		}
	}
	csrf := csrfOf(t, page)
	sid, eid := ls.session.id, ls.exam.ID
	writes := map[string]url.Values{
		fmt.Sprintf("/sessions/%d/notes", sid):    {"note": {"seen"}},
		fmt.Sprintf("/sessions/%d/reviewed", sid): {"reviewed": {"on"}},
		fmt.Sprintf("/exams/%d/settings", eid):    {"proctoring": {"on"}},
		fmt.Sprintf("/exams/%d/links", eid):       {"student": {"1"}},
		"/exports":                                {"scope": {"session"}, "session": {fmt.Sprint(sid)}, "items": {"summary"}},
	}
	for path, form := range writes {
		form.Set("csrf", csrf)
		if res := post(t, ta, srv.URL+path, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s as a teaching assistant: %d, want 403", path, res.StatusCode)
		}
	}
	notes, _ := srv.Store.ListNotes(context.Background(), sid)
	if len(notes) != 0 {
		t.Fatalf("a teaching assistant's note was stored: %+v", notes)
	}
}

// TestRosterTakesAccessAway: a teaching assistant with instructors'
// rights (--assistants-change) opens a session, a frame and an export;
// once the LMS roster no longer lists them, all three are refused.
func TestRosterTakesAccessAway(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	srv.LTI.LMS.AssistantsChange = true
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	ls := newLMSSession(t, srv, l)
	ta := browserClient()
	teacherLaunch(t, srv, l, ta, l.Seed.TAID)
	_, page := get(t, ta, fmt.Sprintf("%s/sessions/%d", srv.URL, ls.session.id))
	noFollow := *ta
	noFollow.CheckRedirect = noRedirect
	status, id := raise(t, srv, &noFollow, url.Values{"csrf": {csrfOf(t, page)}, "scope": {"session"},
		"session": {fmt.Sprint(ls.session.id)}, "items": {"summary"}})
	if status != http.StatusSeeOther || id == 0 {
		t.Fatalf("export by a teaching assistant with instructors' rights: %d", status)
	}
	waitExport(t, srv, id, func(e *proctor.Export) bool { return e.State == proctor.ExportReady }, "ready")
	download := srv.URL + exportLink(t, ta, srv, id)
	reads := append(ls.reads(srv.URL), download)
	for _, u := range reads {
		wantStatus(t, ta, u, 200)
	}

	l.Unenroll(l.Seed.CourseID, l.Seed.TAID)
	if err := srv.LTI.LMS.SyncRoster(context.Background(), ls.courseID); err != nil {
		t.Fatal(err)
	}
	for _, u := range reads {
		wantStatus(t, ta, u, 404)
	}
	removed, _ := srv.Store.ListAudit(context.Background(), storeFilter(proctor.AuditMemberRemoved))
	if len(removed) != 1 || !strings.Contains(removed[0].Detail, "roster") {
		t.Fatalf("removal audit entries: %+v", removed)
	}
	wantStatus(t, ls.teacher, ls.reads(srv.URL)[0], 200) // the instructor, still listed, keeps access
}

// exportLink reads an export's download link off the exports list.
func exportLink(t *testing.T, c *http.Client, srv *testserver.Server, id int64) string {
	t.Helper()
	_, body := get(t, c, srv.URL+"/exports")
	prefix := fmt.Sprintf("/exports/%d/download?", id)
	i := strings.Index(body, prefix)
	if i < 0 {
		t.Fatalf("no download link for export %d on the exports page", id)
	}
	link := body[i:]
	return strings.ReplaceAll(link[:strings.IndexByte(link, '"')], "&amp;", "&")
}

// TestLesserLaunchLowersAccess: an instructor whose next launch carries
// the teaching assistant role can only review; one whose launch carries
// only the learner role has no access left.
func TestLesserLaunchLowersAccess(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	ls := newLMSSession(t, srv, l)
	sessionPage := ls.reads(srv.URL)[0]
	_, page := get(t, ls.teacher, sessionPage)
	csrf := csrfOf(t, page)
	notes := fmt.Sprintf("%s/sessions/%d/notes", srv.URL, ls.session.id)

	l.Enroll(l.Seed.CourseID, l.Seed.InstructorID, devlms.RoleInstructor, devlms.RoleTeachingAssistant)
	teacherLaunch(t, srv, l, ls.teacher, l.Seed.InstructorID)
	wantStatus(t, ls.teacher, sessionPage, 200)
	if res := post(t, ls.teacher, notes, url.Values{"csrf": {csrf}, "note": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a note after a teaching assistant's launch: %d, want 403", res.StatusCode)
	}

	l.Enroll(l.Seed.CourseID, l.Seed.InstructorID, devlms.RoleLearner)
	if status, _ := l.launch(t, browserClient(), devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID}); status != 200 {
		t.Fatalf("learner launch: %d", status)
	}
	wantStatus(t, ls.teacher, sessionPage, 404)
	wantStatus(t, ls.teacher, ls.reads(srv.URL)[2], 404)
}

// TestExpiredDashboardSessionSignsOut: a dashboard session is refused
// once it has expired, for pages and for media alike.
func TestExpiredDashboardSessionSignsOut(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c, _ := srv.SignIn(t, &f.Instructor)
	course := fmt.Sprintf("%s/courses/%d", srv.URL, f.Course.ID)
	wantStatus(t, c, course, 200)
	srv.Advance(2 * time.Hour) // SignIn's sessions last an hour
	wantStatus(t, c, course, http.StatusSeeOther)
	wantStatus(t, c, srv.URL+"/media/photos/1", http.StatusUnauthorized)
}

// TestLMSAdministratorIsNotVigilAdministrator: an LMS's administrator
// reaches that LMS's courses, not Vigil's administration nor other
// courses; one named in --global-admins is Vigil's administrator.
func TestLMSAdministratorIsNotVigilAdministrator(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	local := srv.NewFixture(t, 1, nil)
	teacherLaunch(t, srv, l, browserClient(), l.Seed.InstructorID) // makes the LMS course
	x, err := srv.Store.FindLTIContext(context.Background(), l.Reg.ID, l.Seed.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	admin := browserClient()
	status, page := l.launch(t, admin, devlms.LaunchSpec{UserID: l.Seed.AdminID, CourseID: l.Seed.CourseID})
	if status != 200 {
		t.Fatalf("admin launch: %d", status)
	}
	if next, status, _ := continueTo(t, admin, srv.URL, page); next == "/admin" || status != 200 {
		t.Fatalf("an LMS administrator lands on %s (%d)", next, status)
	}
	admin.CheckRedirect = noRedirect
	wantStatus(t, admin, srv.URL+"/admin", 404)
	wantStatus(t, admin, srv.URL+"/admin/audit", 404)
	wantStatus(t, admin, fmt.Sprintf("%s/courses/%d", srv.URL, x.CourseID), 200)
	wantStatus(t, admin, fmt.Sprintf("%s/courses/%d", srv.URL, local.Course.ID), 404)

	srv.LTI.LMS.GlobalAdmins = []string{l.Reg.Issuer + "#" + l.Seed.AdminID}
	admin = browserClient()
	_, page = l.launch(t, admin, devlms.LaunchSpec{UserID: l.Seed.AdminID, CourseID: l.Seed.CourseID})
	if next, status, _ := continueTo(t, admin, srv.URL, page); next != "/admin" || status != 200 {
		t.Fatalf("a named global administrator lands on %s (%d)", next, status)
	}
	wantStatus(t, admin, fmt.Sprintf("%s/courses/%d", srv.URL, local.Course.ID), 200)
}
