package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/devlms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
	"vigil/media"
)

// TestRosterAndDeepLinking: an instructor's launch reads the roster (NRPS)
// so the Student List shows who has not started; the instructor places a
// new proctored exam by deep linking; a student who follows that link gets
// the proctoring window for that exam.
func TestRosterAndDeepLinking(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	teacher := browserClient()
	l.launch(t, teacher, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	x := waitRoster(t, srv)

	_, page := l.launch(t, teacher, devlms.LaunchSpec{Kind: devlms.LaunchDeepLink, CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	next, status, body := continueTo(t, teacher, srv.URL, page)
	if status != 200 || !strings.HasPrefix(next, "/lti/deep-link") || !strings.Contains(body, "Add a proctored exam") {
		t.Fatalf("deep linking page %s: %d\n%s", next, status, body)
	}
	form := url.Values{"csrf": {formValue(t, body, "csrf")}, "k": {formValue(t, body, "k")},
		"course": {formValue(t, body, "course")}, "title": {"Final exam"}}
	status, post := postForm(t, teacher, srv.URL+"/lti/deep-link", form)
	action, fields, err := devlms.ParseAutoPostForm([]byte(post))
	if status != 200 || err != nil || fields.Get("JWT") == "" || action != l.URL+"/deep_link_return" {
		t.Fatalf("deep linking answer: %d %v %s", status, err, action)
	}
	if status, _ := postForm(t, teacher, action, fields); status != 200 {
		t.Fatalf("the LMS refused the deep linking response: %d", status)
	}
	items := l.DeepLinks()
	if len(items) != 1 || items[0].Custom["vigil_exam_id"] == "" || !strings.Contains(items[0].Title, "Final exam") {
		t.Fatalf("items placed: %+v", items)
	}

	student := browserClient()
	status, page = l.launch(t, student, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.StudentIDs[1], ResourceLinkID: items[0].ResourceLinkID})
	m := regexp.MustCompile(`href="/s/([A-Za-z0-9_-]+)"`).FindStringSubmatch(page)
	if status != 200 || m == nil || !strings.Contains(page, "Final exam") {
		t.Fatalf("student at the exam link: %d\n%s", status, page)
	}
	s := start(t, client{t, srv.URL}, m[1])
	sess, _ := srv.Store.GetSession(context.Background(), s.id)
	exam, _ := srv.Store.GetExam(context.Background(), sess.ExamID)
	st, _ := srv.Store.GetStudent(context.Background(), sess.StudentID)
	if exam.Title != "Final exam" || exam.CourseID != x.CourseID || st.ExternalID != l.Seed.StudentIDs[1] {
		t.Fatalf("session %+v of exam %+v, student %+v", sess, exam, st)
	}
	_, body = get(t, teacher, fmt.Sprintf("%s/exams/%d/sessions", srv.URL, exam.ID))
	if !strings.Contains(body, "Not started (2)") {
		t.Fatalf("Student List does not show the two who have not started:\n%s", body)
	}
}

func waitRoster(t *testing.T, srv *testserver.Server) *proctor.LTIContext {
	t.Helper()
	return testwait.For(t, "the roster to be read", 15*time.Second, func() (*proctor.LTIContext, bool) {
		for id := int64(1); id < 5; id++ {
			x, err := srv.Store.GetLTIContext(context.Background(), id)
			if err == nil && !x.RosterSyncedAt.IsZero() {
				students, _ := srv.Store.ListStudents(context.Background(), x.CourseID)
				if len(students) != 3 {
					t.Fatalf("roster gave %d students, want the 3 learners", len(students))
				}
				return x, true
			}
		}
		return nil, false
	})
}

// TestLTIProctoringServices: LtiStartProctoring → the proctoring window
// records → Vigil posts LtiStartAssessment echoing the attempt → the LMS
// starts the assessment; the LMS's LtiEndAssessment is recorded; the
// instructor flags the attempt through the Assessment Control Service.
func TestLTIProctoringServices(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	student := browserClient()
	quiz := l.Seed.QuizIDs[0]
	status, page := l.launch(t, student, devlms.LaunchSpec{Kind: devlms.LaunchProctoring, CourseID: l.Seed.CourseID,
		UserID: l.Seed.StudentIDs[0], ResourceLinkID: quiz})
	m := regexp.MustCompile(`data-status="([^"]+)" data-start="([^"]+)"`).FindStringSubmatch(page)
	if status != 200 || m == nil {
		t.Fatalf("proctoring launch: %d\n%s", status, page)
	}
	statusURL, startURL := srv.URL+strings.ReplaceAll(m[1], "&amp;", "&"), srv.URL+strings.ReplaceAll(m[2], "&amp;", "&")
	if ready := proctoringReady(t, student, statusURL); ready {
		t.Fatal("ready before the recording started")
	}
	if status, _ := get(t, student, startURL); status != 409 {
		t.Fatalf("start before recording: %d, want 409", status)
	}
	if status, _ := get(t, student, strings.Replace(startURL, "k=", "k=x", 1)); status != 404 {
		t.Fatalf("start with a wrong key: %d, want 404", status)
	}
	link := regexp.MustCompile(`k=([A-Za-z0-9_-]+)`).FindStringSubmatch(startURL)[1]
	s := start(t, client{t, srv.URL}, link)
	uploadFrame(t, srv, s)
	if !proctoringReady(t, student, statusURL) {
		t.Fatal("not ready once a frame arrived")
	}
	status, post := get(t, student, startURL)
	action, fields, err := devlms.ParseAutoPostForm([]byte(post))
	if status != 200 || err != nil || fields.Get("JWT") == "" {
		t.Fatalf("start assessment page: %d %v", status, err)
	}
	if status, page := postForm(t, student, action, fields); status != 200 {
		t.Fatalf("the LMS refused LtiStartAssessment: %d\n%s", status, page)
	}
	att := l.Attempts()
	if len(att) != 1 || att[0].State != devlms.AttemptStarted {
		t.Fatalf("attempts %+v", att)
	}
	pl, err := srv.Store.GetProctoringLaunch(context.Background(), s.id)
	if err != nil || pl.SessionData != att[0].SessionData || pl.StartedAt.IsZero() {
		t.Fatalf("stored attempt %+v (%v)", pl, err)
	}

	status, page = l.launch(t, student, devlms.LaunchSpec{Kind: devlms.LaunchEndAssessment, CourseID: l.Seed.CourseID,
		UserID: l.Seed.StudentIDs[0], ResourceLinkID: quiz})
	if pl, _ = srv.Store.GetProctoringLaunch(context.Background(), s.id); status != 200 || pl.EndedAt.IsZero() || !strings.Contains(page, "Finish the exam") {
		t.Fatalf("end assessment: %d, ended %v\n%s", status, pl.EndedAt, page)
	}

	teacher := browserClient()
	l.launch(t, teacher, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	_, body := get(t, teacher, fmt.Sprintf("%s/sessions/%d", srv.URL, s.id))
	if !strings.Contains(body, `id="lms-flag"`) || !strings.Contains(body, `id="lms-terminate"`) {
		t.Fatalf("the session page offers no LMS actions")
	}
	status, _ = postForm(t, teacher, fmt.Sprintf("%s/sessions/%d/lms-control", srv.URL, s.id),
		url.Values{"csrf": {formValue(t, body, "csrf")}, "action": {"flag"}, "note": {"second person in view"}})
	acs := l.ACSRequests()
	if status != 200 || len(acs) != 1 || acs[0].Action != "flag" || acs[0].ReasonMsg != "second person in view" || acs[0].UserSub != l.Seed.StudentIDs[0] {
		t.Fatalf("ACS: %d, requests %+v", status, acs)
	}
}

func proctoringReady(t *testing.T, c *http.Client, u string) bool {
	t.Helper()
	status, body := get(t, c, u)
	var st struct{ Ready bool }
	if err := json.Unmarshal([]byte(body), &st); status != 200 || err != nil {
		t.Fatalf("status: %d %v", status, err)
	}
	return st.Ready
}

// uploadFrame sends one real webcam frame for a session.
func uploadFrame(t *testing.T, srv *testserver.Server, s started) {
	t.Helper()
	jpeg, err := media.FS.ReadFile("webcam320/biden_headshoulders.jpg")
	if err != nil {
		t.Fatal(err)
	}
	r := client{t, srv.URL}.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/0", s.id), s.token, "image/jpeg",
		map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)}, jpeg)
	if r.status != 200 {
		t.Fatalf("frame: %d %s", r.status, r.raw)
	}
}

// TestCanvasQuizAccessCode: the dashboard lists the course's Canvas
// quizzes; proctoring one sets a hidden access code in Canvas, which the
// capture API reveals only to a session that records.
func TestCanvasQuizAccessCode(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true, canvas: true})
	teacher := browserClient()
	_, page := l.launch(t, teacher, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	next, status, body := continueTo(t, teacher, srv.URL, page)
	quiz := l.Seed.QuizIDs[0]
	if status != 200 || !strings.Contains(body, "Quizzes in Canvas") || !strings.Contains(body, `id="proctor-`+quiz+`"`) {
		t.Fatalf("course page %s (%d) lists no Canvas quizzes\n%s", next, status, body)
	}
	status, _ = postForm(t, teacher, srv.URL+next+"/quizzes/"+quiz+"/proctor", url.Values{"csrf": {formValue(t, body, "csrf")}})
	q, _ := l.Quiz(l.Seed.CourseID, quiz)
	if status != 200 || len(q.AccessCode) < 8 {
		t.Fatalf("proctor quiz: %d, Canvas code %q", status, q.AccessCode)
	}
	_, body = get(t, teacher, srv.URL+next)
	if strings.Contains(body, q.AccessCode) || !strings.Contains(body, "access code hidden") {
		t.Fatal("the dashboard shows the access code, or not that it is hidden")
	}

	student := browserClient()
	_, page = l.launch(t, student, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.StudentIDs[0], ResourceLinkID: "quiz-link",
		ResourceLinkTitle: q.Title, TargetLinkURI: srv.URL + "/lti/exam"})
	if !strings.Contains(page, "not set up yet") {
		t.Fatalf("an exam link never opened by the instructor:\n%s", page)
	}
	exams, _ := srv.Store.ListExams(context.Background(), 1)
	link := srv.Link(t, &testserver.Fixture{Exam: exams[0].Exam, Students: mustStudents(t, srv, exams[0].CourseID)}, 0)
	s := start(t, client{t, srv.URL}, link)
	code := func() (int, string) {
		r := client{t, srv.URL}.do("GET", fmt.Sprintf("/api/v1/sessions/%d/access_code", s.id), s.token, "", nil, nil)
		return r.status, fmt.Sprint(r.body["access_code"])
	}
	if st, _ := code(); st != 409 {
		t.Fatalf("access code before recording: %d, want 409", st)
	}
	uploadFrame(t, srv, s)
	if st, got := code(); st != 200 || got != q.AccessCode {
		t.Fatalf("access code while recording: %d %q, want %q", st, got, q.AccessCode)
	}
	r := client{t, srv.URL}.do("POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil, []byte(`{"frames":1}`))
	if r.status != 200 {
		t.Fatalf("finish: %d %s", r.status, r.raw)
	}
	if st, _ := code(); st != 409 {
		t.Fatalf("access code after finishing: %d, want 409", st)
	}
}

func mustStudents(t *testing.T, srv *testserver.Server, courseID int64) []proctor.Student {
	t.Helper()
	st, err := srv.Store.ListStudents(context.Background(), courseID)
	if err != nil || len(st) == 0 {
		t.Fatalf("students: %d (%v)", len(st), err)
	}
	return st
}

// TestInstructorCannotReadAnotherCourse: an instructor signed in through
// the LMS sees their own course's sessions and gets "not found" for
// another course's.
func TestInstructorCannotReadAnotherCourse(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil) // a course made by hand, with a session
	s := start(t, client{t, srv.URL}, srv.Link(t, f, 0))
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	teacher := browserClient()
	l.launch(t, teacher, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	for _, u := range []string{fmt.Sprintf("/sessions/%d", s.id), fmt.Sprintf("/courses/%d", f.Course.ID),
		fmt.Sprintf("/media/sessions/%d/frames/0", s.id), fmt.Sprintf("/exams/%d/sessions", f.Exam.ID)} {
		if status, _ := get(t, teacher, srv.URL+u); status != 404 {
			t.Errorf("%s: %d, want 404", u, status)
		}
	}
}
