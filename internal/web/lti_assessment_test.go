package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"vigil/internal/devlms"
	"vigil/internal/testserver"
)

// assessmentWorld is a course of the development LMS (Canvas-like, with
// its quiz API) with Vigil enabled, and its instructor signed in.
type assessmentWorld struct {
	srv     *testserver.Server
	l       *lms
	teacher *http.Client
	course  string // the course's dashboard page, /courses/N
}

// assessmentPath is one way an LMS assessment reaches Vigil; it returns
// the exam that way led to.
type assessmentPath struct {
	name string
	run  func(t *testing.T, w *assessmentWorld, quiz string, student int) int64
}

var assessmentPaths = []assessmentPath{
	{"deeplink", deepLinkFromQuiz},
	{"canvas", proctorCanvasQuiz},
	{"proctoring", proctoringLaunch},
	{"resource", instructorResourceLink},
}

// TestOneAssessmentOneExam: one LMS assessment (a Canvas quiz of the
// development LMS) is one Vigil exam whichever way reaches Vigil first —
// deep linking from the quiz's proctoring settings, "Proctor with Vigil" on
// its Canvas quiz id, a student's LTI Proctoring launch, the instructor's
// resource link launch — in every order of the four (so every pair both
// ways), each order on a quiz of its own; then the instructor's links lead
// to the exam holding the student's session. Last, students whose
// proctoring launches arrive at once make one exam.
func TestOneAssessmentOneExam(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	w := &assessmentWorld{srv: srv, l: startLMS(t, srv, lmsOptions{autoEnable: true, canvas: true}), teacher: browserClient()}
	_, page := w.l.launch(t, w.teacher, devlms.LaunchSpec{CourseID: w.l.Seed.CourseID, UserID: w.l.Seed.InstructorID})
	w.course, _, _ = continueTo(t, w.teacher, srv.URL, page)
	for i, order := range permutations(assessmentPaths) {
		var names []string
		for _, p := range order {
			names = append(names, p.name)
		}
		t.Run(strings.Join(names, "_then_"), func(t *testing.T) {
			quiz := w.l.AddQuiz(w.l.Seed.CourseID, devlms.Quiz{Title: fmt.Sprintf("Quiz %d", i+1), Published: true}).ID
			before := w.examCount(t)
			student := i % len(w.l.Seed.StudentIDs)
			var exam int64
			for _, p := range order {
				got := p.run(t, w, quiz, student)
				if exam == 0 {
					exam = got
				}
				if got != exam {
					t.Fatalf("%s led to exam %d; the ways before it to exam %d", p.name, got, exam)
				}
			}
			if n := w.examCount(t); n != before+1 {
				t.Fatalf("the course has %d exams more, want one", n-before)
			}
			w.instructorLinksLeadTo(t, quiz, exam, 1)
			// Its access code is hidden: the quiz is not offered again,
			// and proctoring it again is refused.
			_, body := get(t, w.teacher, w.srv.URL+w.course)
			if strings.Contains(body, `id="proctor-`+quiz+`"`) || !strings.Contains(body, `id="quiz-exam-`+quiz+`">`) {
				t.Fatalf("the dashboard still offers to proctor quiz %s", quiz)
			}
			status, _ := postForm(t, w.teacher, w.srv.URL+w.course+"/quizzes/"+quiz+"/proctor", url.Values{"csrf": {formValue(t, body, "csrf")}})
			if status != http.StatusConflict {
				t.Fatalf("proctoring quiz %s again: %d, want 409", quiz, status)
			}
		})
	}
	t.Run("students_at_once", func(t *testing.T) {
		quiz := w.l.AddQuiz(w.l.Seed.CourseID, devlms.Quiz{Title: "Quiz at once", Published: true}).ID
		before := w.examCount(t)
		type form struct {
			action string
			fields url.Values
			c      *http.Client
		}
		var forms []form
		for _, s := range w.l.Seed.StudentIDs {
			c := browserClient()
			action, fields := w.l.launchForm(t, c, devlms.LaunchSpec{Kind: devlms.LaunchProctoring, CourseID: w.l.Seed.CourseID,
				UserID: s, ResourceLinkID: quiz})
			forms = append(forms, form{action, fields, c})
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, f := range forms {
			wg.Go(func() {
				<-start
				if status, page := postLaunch(t, f.c, f.action, f.fields); status != 200 || !strings.Contains(page, `data-action="proctoring"`) {
					t.Errorf("proctoring launch: %d\n%s", status, page)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := w.examCount(t); n != before+1 {
			t.Fatalf("%d students launching at once made %d exams", len(forms), n-before)
		}
		exam := instructorResourceLink(t, w, quiz, 0)
		w.instructorLinksLeadTo(t, quiz, exam, len(forms))
	})
}

func permutations(ps []assessmentPath) [][]assessmentPath {
	if len(ps) <= 1 {
		return [][]assessmentPath{ps}
	}
	var out [][]assessmentPath
	for i, p := range ps {
		rest := append(append([]assessmentPath{}, ps[:i]...), ps[i+1:]...)
		for _, tail := range permutations(rest) {
			out = append(out, append([]assessmentPath{p}, tail...))
		}
	}
	return out
}

// examCount is how many exams the course has.
func (w *assessmentWorld) examCount(t *testing.T) int {
	t.Helper()
	exams, err := w.srv.Store.ListExams(context.Background(), courseIDOf(t, w.course))
	if err != nil {
		t.Fatal(err)
	}
	return len(exams)
}

func courseIDOf(t *testing.T, page string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(page, "/courses/"), 10, 64)
	if err != nil {
		t.Fatalf("course page %q: %v", page, err)
	}
	return id
}

// instructorLinksLeadTo: the instructor's link in the LMS (the quiz's
// resource link) and the dashboard's Canvas quiz list lead to exam, whose
// Student List holds the sessions.
func (w *assessmentWorld) instructorLinksLeadTo(t *testing.T, quiz string, exam int64, sessions int) {
	t.Helper()
	if got := instructorResourceLink(t, w, quiz, 0); got != exam {
		t.Fatalf("the instructor's link leads to exam %d, want %d", got, exam)
	}
	if got := w.dashboardQuizExam(t, quiz); got != exam {
		t.Fatalf("the dashboard's quiz %s leads to exam %d, want %d", quiz, got, exam)
	}
	_, list := get(t, w.teacher, fmt.Sprintf("%s/exams/%d/sessions", w.srv.URL, exam))
	if n := strings.Count(list, `class="student"`); n != sessions {
		t.Fatalf("the Student List of exam %d shows %d sessions, want %d", exam, n, sessions)
	}
}

// dashboardQuizExam is the exam the course dashboard shows for a Canvas
// quiz (0: not proctored).
func (w *assessmentWorld) dashboardQuizExam(t *testing.T, quiz string) int64 {
	t.Helper()
	status, body := get(t, w.teacher, w.srv.URL+w.course)
	if status != 200 {
		t.Fatalf("course page: %d", status)
	}
	m := regexp.MustCompile(`href="/exams/(\d+)/sessions" id="quiz-exam-` + quiz + `"`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// deepLinkFromQuiz: the instructor opens Vigil from the quiz's proctoring
// settings (deep linking) and places the exam Vigil offers — the quiz's
// own when it has one, else a new one.
func deepLinkFromQuiz(t *testing.T, w *assessmentWorld, quiz string, _ int) int64 {
	t.Helper()
	_, page := w.l.launch(t, w.teacher, devlms.LaunchSpec{Kind: devlms.LaunchDeepLink, CourseID: w.l.Seed.CourseID,
		UserID: w.l.Seed.InstructorID, ResourceLinkID: quiz})
	_, status, body := continueTo(t, w.teacher, w.srv.URL, page)
	if status != 200 {
		t.Fatalf("deep linking page: %d\n%s", status, body)
	}
	form := url.Values{"csrf": {formValue(t, body, "csrf")}, "k": {formValue(t, body, "k")}, "course": {formValue(t, body, "course")}}
	if strings.Contains(body, `id="assessed"`) {
		form.Set("exam", formValue(t, body, "exam"))
	} else {
		form.Set("title", "Exam of quiz "+quiz)
	}
	status, post := postForm(t, w.teacher, w.srv.URL+"/lti/deep-link", form)
	action, fields, err := devlms.ParseAutoPostForm([]byte(post))
	if status != 200 || err != nil {
		t.Fatalf("deep linking answer: %d %v\n%s", status, err, post)
	}
	if status, page := postForm(t, w.teacher, action, fields); status != 200 {
		t.Fatalf("the LMS refused the deep linking response: %d\n%s", status, page)
	}
	items := w.l.DeepLinks()
	item := items[len(items)-1]
	if item.QuizID != quiz || item.Custom["canvas_quiz_id"] != quiz {
		t.Fatalf("the item placed is %+v, not quiz %s's link", item, quiz)
	}
	id, _ := strconv.ParseInt(item.Custom["vigil_exam_id"], 10, 64)
	return id
}

// proctorCanvasQuiz: "Proctor with Vigil" (or, when the quiz has its exam
// already, "Hide its access code") on the dashboard's Canvas quiz list.
func proctorCanvasQuiz(t *testing.T, w *assessmentWorld, quiz string, _ int) int64 {
	t.Helper()
	_, body := get(t, w.teacher, w.srv.URL+w.course)
	if !strings.Contains(body, `id="proctor-`+quiz+`"`) {
		t.Fatalf("the dashboard offers no button for quiz %s", quiz)
	}
	status, page := postForm(t, w.teacher, w.srv.URL+w.course+"/quizzes/"+quiz+"/proctor", url.Values{"csrf": {formValue(t, body, "csrf")}})
	q, _ := w.l.Quiz(w.l.Seed.CourseID, quiz)
	if status != 200 || len(q.AccessCode) < 8 {
		t.Fatalf("proctor quiz: %d, Canvas code %q\n%s", status, q.AccessCode, page)
	}
	return w.dashboardQuizExam(t, quiz)
}

// proctoringLaunch: a student's LtiStartProctoring for the quiz; the exam
// is the one its session belongs to.
func proctoringLaunch(t *testing.T, w *assessmentWorld, quiz string, student int) int64 {
	t.Helper()
	status, page := w.l.launch(t, browserClient(), devlms.LaunchSpec{Kind: devlms.LaunchProctoring, CourseID: w.l.Seed.CourseID,
		UserID: w.l.Seed.StudentIDs[student], ResourceLinkID: quiz})
	m := regexp.MustCompile(`data-status="/lti/proctoring/(\d+)/status`).FindStringSubmatch(page)
	if status != 200 || m == nil {
		t.Fatalf("proctoring launch: %d\n%s", status, page)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	sess, err := w.srv.Store.GetSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sess.ExamID
}

// instructorResourceLink: the instructor follows the quiz's link in the
// LMS (its target /lti/exam) and lands on an exam's Student List.
func instructorResourceLink(t *testing.T, w *assessmentWorld, quiz string, _ int) int64 {
	t.Helper()
	_, page := w.l.launch(t, w.teacher, devlms.LaunchSpec{CourseID: w.l.Seed.CourseID, UserID: w.l.Seed.InstructorID,
		ResourceLinkID: quiz, TargetLinkURI: w.srv.URL + "/lti/exam"})
	next, status, _ := continueTo(t, w.teacher, w.srv.URL, page)
	m := regexp.MustCompile(`^/exams/(\d+)/sessions$`).FindStringSubmatch(next)
	if status != 200 || m == nil {
		t.Fatalf("the instructor's link opened %s (%d)", next, status)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}
