package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/devlms"
	vlms "vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// quizTaker is a person on the development LMS's own quiz pages (outside
// LTI): the LMS's cookie says who they are.
func quizTaker(t *testing.T, l *lms, userID string) *http.Client {
	t.Helper()
	c := browserClient()
	if status, _ := postForm(t, c, l.URL+"/act-as", url.Values{"user": {userID}}); status != 200 {
		t.Fatalf("act as %s: %d", userID, status)
	}
	return c
}

// openQuiz types a password into the LMS's quiz and says whether the quiz
// began.
func openQuiz(t *testing.T, c *http.Client, l *lms, quizID, password string) (int, string) {
	t.Helper()
	return postForm(t, c, fmt.Sprintf("%s/courses/%s/quizzes/%s/take", l.URL, l.Seed.CourseID, quizID), url.Values{"access_code": {password}})
}

// record uploads one webcam still and one webcam chunk (camera and
// microphone), as the proctoring window does every second and every ten.
func record(t *testing.T, srv *testserver.Server, s started, seq, chunkSeq int) {
	t.Helper()
	c := client{t, srv.URL}
	if r := c.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/%d", s.id, seq), s.token, "image/jpeg",
		map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)}, frameJPEG()); r.status != 200 {
		t.Fatalf("frame %d: %d %s", seq, r.status, r.raw)
	}
	if r := c.do("PUT", chunk(s.id, "webcam", chunkSeq), s.token, "video/webm", chunkHeaders(), webm()); r.status != 200 {
		t.Fatalf("chunk %d: %d %s", seq, r.status, r.raw)
	}
}

type gate struct {
	status       int
	shown        bool
	password     string
	reason, kind string
}

func quizGate(t *testing.T, srv *testserver.Server, s started) gate {
	t.Helper()
	r := client{t, srv.URL}.do("GET", fmt.Sprintf("/api/v1/sessions/%d/quiz_password", s.id), s.token, "", nil, nil)
	g := gate{status: r.status}
	g.shown, _ = r.body["shown"].(bool)
	g.password, _ = r.body["password"].(string)
	g.reason, _ = r.body["reason"].(string)
	g.kind, _ = r.body["kind"].(string)
	return g
}

// TestQuizPasswordGatesAMoodleQuiz: the instructor makes the exam's quiz
// password in Vigil and pastes it into the LMS's quiz ("Require
// password"). A student who opens the quiz without Vigil is refused by the
// password; a student whose recording runs gets it from Vigil and the quiz
// opens; when the recording stops reaching Vigil the password is hidden
// again within seconds, and it comes back when the recording does. A new
// password replaces the old one; finishing hides it for good.
func TestQuizPasswordGatesAMoodleQuiz(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	quiz := l.Seed.QuizIDs[0]
	teacher := browserClient()
	_, page := l.launch(t, teacher, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID,
		ResourceLinkID: "activity-" + quiz, ResourceLinkTitle: "Unit test", TargetLinkURI: srv.URL + "/lti/exam"})
	next, _, _ := continueTo(t, teacher, srv.URL, page)
	settings := strings.Replace(next, "/sessions", "/settings", 1)
	status, body := get(t, teacher, srv.URL+settings)
	if status != 200 || !strings.Contains(body, `id="make-quiz-password"`) || !strings.Contains(body, "No quiz password yet") {
		t.Fatalf("settings %s: %d\n%s", settings, status, body)
	}
	status, body = postForm(t, teacher, srv.URL+strings.Replace(settings, "/settings", "/quiz-password", 1),
		url.Values{"csrf": {formValue(t, body, "csrf")}, "action": {"make"}})
	m := regexp.MustCompile(`<code id="quiz-password-value">([a-z0-9]+)</code>`).FindStringSubmatch(body)
	if status != 200 || m == nil || !strings.Contains(body, "Require password") {
		t.Fatalf("making the password: %d\n%s", status, body)
	}
	password := m[1]
	l.SetQuizPassword(l.Seed.CourseID, quiz, password) // pasted into the LMS's quiz

	// Without Vigil: the quiz asks for the password, and a guess fails.
	sneaky := quizTaker(t, l, l.Seed.StudentIDs[1])
	if status, page := get(t, sneaky, fmt.Sprintf("%s/courses/%s/quizzes/%s/take", l.URL, l.Seed.CourseID, quiz)); status != 200 ||
		!strings.Contains(page, "Password required") {
		t.Fatalf("the quiz without Vigil: %d\n%s", status, page)
	}
	if status, page := openQuiz(t, sneaky, l, quiz, "guess"); status != 403 || !strings.Contains(page, "password is not correct") {
		t.Fatalf("a guessed password: %d", status)
	}

	// With Vigil: hidden until the recording runs, then shown.
	student := browserClient()
	_, page = l.launch(t, student, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.StudentIDs[0],
		ResourceLinkID: "activity-" + quiz, TargetLinkURI: srv.URL + "/lti/exam"})
	lm := regexp.MustCompile(`href="/s/([A-Za-z0-9_-]+)"`).FindStringSubmatch(page)
	if lm == nil {
		t.Fatalf("no proctoring window for the student:\n%s", page)
	}
	s := start(t, client{t, srv.URL}, lm[1])
	if g := quizGate(t, srv, s); g.status != 200 || g.shown || g.password != "" || g.kind != "password" {
		t.Fatalf("before recording: %+v", g)
	}
	record(t, srv, s, 0, 0)
	g := quizGate(t, srv, s)
	if !g.shown || g.password != password {
		t.Fatalf("while recording: %+v", g)
	}
	taker := quizTaker(t, l, l.Seed.StudentIDs[0])
	if status, page := openQuiz(t, taker, l, quiz, g.password); status != 200 || !strings.Contains(page, "Quiz in progress") {
		t.Fatalf("the quiz with Vigil's password: %d", status)
	}

	// The recording stops reaching Vigil: hidden within the frame window.
	srv.Advance(proctor.HealthyFrameWindow + time.Second)
	if g := quizGate(t, srv, s); g.shown || g.password != "" || !strings.Contains(g.reason, "camera") {
		t.Fatalf("after the uploads stopped: %+v", g)
	}
	record(t, srv, s, 1, 1)
	if g := quizGate(t, srv, s); !g.shown || g.password != password {
		t.Fatalf("after the recording came back: %+v", g)
	}
	// Frames alone, without the camera's video and microphone: hidden too.
	for i := 0; i < 3; i++ {
		srv.Advance(10 * time.Second)
		c := client{t, srv.URL}
		if r := c.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/%d", s.id, 2+i), s.token, "image/jpeg",
			map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)}, frameJPEG()); r.status != 200 {
			t.Fatalf("frame: %d %s", r.status, r.raw)
		}
	}
	if g := quizGate(t, srv, s); g.shown || !strings.Contains(g.reason, "microphone") {
		t.Fatalf("the microphone's chunks stopped: %+v", g)
	}
	record(t, srv, s, 5, 2)

	// A new password (rotation) replaces the old one at once.
	_, body = get(t, teacher, srv.URL+settings)
	postForm(t, teacher, srv.URL+strings.Replace(settings, "/settings", "/quiz-password", 1),
		url.Values{"csrf": {formValue(t, body, "csrf")}, "action": {"make"}})
	if g := quizGate(t, srv, s); !g.shown || g.password == password || len(g.password) < 8 {
		t.Fatalf("after a new password: %+v (old %q)", g, password)
	}
	if n, _ := srv.Store.ListAudit(context.Background(), storeFilter(proctor.AuditQuizPassword)); len(n) != 2 {
		t.Fatalf("audit entries for the quiz password: %d, want 2", len(n))
	}

	// Finished: hidden.
	r := client{t, srv.URL}.do("POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil,
		[]byte(`{"frames":6,"chunks":{"webcam":3}}`))
	if r.status != 200 {
		t.Fatalf("finish: %d %s", r.status, r.raw)
	}
	if g := quizGate(t, srv, s); g.shown || g.password != "" {
		t.Fatalf("after finishing: %+v", g)
	}
}

// TestQuizPasswordOnlyForInstructors: a reviewer (teaching assistant)
// learns only that a password is set; an exam without one answers 404 to
// the proctoring window, which then stops asking.
func TestQuizPasswordOnlyForInstructors(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	s := start(t, client{t, srv.URL}, srv.Link(t, f, 0))
	if g := quizGate(t, srv, s); g.status != 404 {
		t.Fatalf("no password: %+v", g)
	}
	if _, err := srv.LTI.LMS.MakeQuizPassword(context.Background(), vlms.Who{Name: "test"}, f.Exam.ID); err != nil {
		t.Fatal(err)
	}
	ta := &proctor.User{Email: "ta@example.edu", Name: "TA", Role: proctor.RoleInstructor}
	if err := srv.Store.CreateUser(context.Background(), ta, ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.SetCourseMember(context.Background(), f.Exam.CourseID, ta.ID, proctor.CourseReviewer); err != nil {
		t.Fatal(err)
	}
	c, _ := srv.SignIn(t, ta)
	qp, _ := srv.LTI.LMS.QuizPassword(context.Background(), f.Exam.ID)
	status, body := get(t, c, fmt.Sprintf("%s/exams/%d/settings", srv.URL, f.Exam.ID))
	if status != 200 || strings.Contains(body, qp.Password) || !strings.Contains(body, "A quiz password is set") ||
		strings.Contains(body, `id="make-quiz-password"`) {
		t.Fatalf("a reviewer's settings page: %d\n%s", status, body)
	}
}

// TestQuizPasswordCanvasNewQuiz: Canvas New Quizzes beside Classic
// Quizzes: the dashboard lists a New Quiz, "Proctor with Vigil" sets its
// student access code through the New Quizzes API, the quiz refuses a
// student without it, and the proctoring window shows it only while the
// recording is healthy.
func TestQuizPasswordCanvasNewQuiz(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true, canvas: true})
	nq := l.AddQuiz(l.Seed.CourseID, devlms.Quiz{Title: "New Quiz final", Published: true, New: true})
	teacher := browserClient()
	_, page := l.launch(t, teacher, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	next, status, body := continueTo(t, teacher, srv.URL, page)
	key := "n" + nq.ID
	if status != 200 || !strings.Contains(body, `id="proctor-`+key+`"`) || !strings.Contains(body, "New Quiz") ||
		!strings.Contains(body, `id="proctor-`+l.Seed.QuizIDs[0]+`"`) {
		t.Fatalf("course page %s lists no New Quiz beside the Classic ones:\n%s", next, body)
	}
	status, _ = postForm(t, teacher, srv.URL+next+"/quizzes/"+key+"/proctor", url.Values{"csrf": {formValue(t, body, "csrf")}})
	q, _ := l.Quiz(l.Seed.CourseID, nq.ID)
	if status != 200 || len(q.AccessCode) < 8 {
		t.Fatalf("proctor the New Quiz: %d, its access code %q", status, q.AccessCode)
	}
	if status, _ := openQuiz(t, quizTaker(t, l, l.Seed.StudentIDs[1]), l, nq.ID, ""); status != 403 {
		t.Fatalf("the New Quiz without Vigil: %d, want 403", status)
	}
	exams, _ := srv.Store.ListExams(context.Background(), 1)
	var examID int64
	for _, e := range exams {
		if e.Title == "New Quiz final" {
			examID = e.ID
		}
	}
	if examID == 0 {
		t.Fatalf("no exam for the New Quiz: %+v", exams)
	}
	exam, _ := srv.Store.GetExam(context.Background(), examID)
	st := proctor.Student{CourseID: exam.CourseID, FirstName: "Ada", LastName: "Student", ExternalID: l.Seed.StudentIDs[0]}
	if err := srv.Store.CreateStudent(context.Background(), &st); err != nil {
		t.Fatal(err)
	}
	link := srv.Link(t, &testserver.Fixture{Exam: *exam, Students: []proctor.Student{st}}, 0)
	s := start(t, client{t, srv.URL}, link)
	if g := quizGate(t, srv, s); g.shown || g.kind != "access_code" {
		t.Fatalf("before recording: %+v", g)
	}
	record(t, srv, s, 0, 0)
	g := quizGate(t, srv, s)
	if !g.shown || g.password != q.AccessCode {
		t.Fatalf("while recording: %+v, want %q", g, q.AccessCode)
	}
	if status, page := openQuiz(t, quizTaker(t, l, l.Seed.StudentIDs[0]), l, nq.ID, g.password); status != 200 || !strings.Contains(page, "Quiz in progress") {
		t.Fatalf("the New Quiz with the code from Vigil: %d", status)
	}
	srv.Advance(proctor.HealthyFrameWindow + time.Second)
	if g := quizGate(t, srv, s); g.shown {
		t.Fatalf("after the uploads stopped: %+v", g)
	}
}
