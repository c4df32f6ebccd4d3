package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"vigil/extension"
	"vigil/internal/browsertest"
	"vigil/internal/devlms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// extensionBrowser is a student's browser (fake camera and microphone)
// with Vigil's extension loaded unpacked, as a student installs it.
func extensionBrowser(t *testing.T) context.Context {
	t.Helper()
	dir := t.TempDir()
	if err := extension.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return fakeDevices(t, "keyboard_typing_10s_48k.wav", true, chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-extensions", false), chromedp.Flag("disable-extensions-except", dir), chromedp.Flag("load-extension", dir))
}

// proctoredCanvasQuiz makes the LMS course in Vigil through real launches,
// proctors its Canvas quiz (a hidden access code is set on it), and
// returns the exam with the quiz's code and a session link for a student.
func proctoredCanvasQuiz(t *testing.T, srv *testserver.Server, l *lms, tweak func(*proctor.Settings)) (proctor.Exam, devlms.Quiz, string) {
	t.Helper()
	teacher := browserClient()
	_, page := l.launch(t, teacher, devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	next, _, body := continueTo(t, teacher, srv.URL, page)
	quizID := l.Seed.QuizIDs[0]
	if status, _ := postForm(t, teacher, srv.URL+next+"/quizzes/"+quizID+"/proctor", url.Values{"csrf": {formValue(t, body, "csrf")}}); status != 200 {
		t.Fatalf("proctor the quiz: %d", status)
	}
	quiz, _ := l.Quiz(l.Seed.CourseID, quizID)
	l.launch(t, browserClient(), devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.StudentIDs[0], ResourceLinkID: "quiz-link",
		ResourceLinkTitle: quiz.Title, TargetLinkURI: srv.URL + "/lti/exam"}) // the student becomes known to Vigil
	ctx := context.Background()
	exams, err := srv.Store.ListExams(ctx, 1)
	if err != nil || len(exams) != 1 {
		t.Fatalf("exams: %d %v", len(exams), err)
	}
	exam := exams[0].Exam
	tweak(&exam.Settings)
	if err := srv.Store.UpdateExamSettings(ctx, exam.ID, exam.Settings, srv.Now()); err != nil {
		t.Fatal(err)
	}
	link := srv.Link(t, &testserver.Fixture{Exam: exam, Students: mustStudents(t, srv, exam.CourseID)}, 0)
	return exam, quiz, link
}

// TestExtensionInChromium loads the extension in headless Chromium: the
// proctoring window connects it (the exam requires it, so Continue waits
// for it), it fills the hidden access code into the LMS quiz page without
// showing it, and reports the tab's pages, a copy and a paste; the rules
// make Online Aid and Keystrokes of them.
func TestExtensionInChromium(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startLMS(t, srv, lmsOptions{autoEnable: true, canvas: true, host: "localhost"})
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!doctype html><title>Answers</title><p>Someone else's answers</p>")
	}))
	t.Cleanup(elsewhere.Close)
	exam, quiz, link := proctoredCanvasQuiz(t, srv, l, func(s *proctor.Settings) {
		s.RequireExtension, s.IdentityFace, s.IdentityID = true, false, false
	})
	if len(quiz.AccessCode) < 8 {
		t.Fatalf("quiz access code %q", quiz.AccessCode)
	}

	ctx := extensionBrowser(t)
	browsertest.Step(t, ctx, "open the proctoring window", chromedp.Navigate(studentURL(srv, link)))
	stepIs(t, ctx, "welcome", 15*time.Second)
	agree(t, ctx)
	browsertest.Step(t, ctx, "start the check", chromedp.Click(chromedp.CSS("#start-check")))
	browsertest.Wait(t, ctx, "the devices pass and the extension is asked for",
		`['browser','camera','microphone','upload'].every((k) => document.getElementById('check-' + k).dataset.ok === 'true') && !document.getElementById('check-extension').hidden`, 30*time.Second)
	if !browsertest.Eval[bool](t, ctx, `document.getElementById('check-continue').disabled`) {
		t.Fatal("Continue is enabled before the required extension is connected")
	}
	browsertest.Step(t, ctx, "connect the extension", chromedp.Click(chromedp.CSS("#pair-extension")))
	browsertest.Wait(t, ctx, "the extension reports", `document.getElementById('check-extension').dataset.ok === 'true'`, 20*time.Second)
	browsertest.Step(t, ctx, "continue", chromedp.WaitEnabled(chromedp.CSS("#check-continue")), chromedp.Click(chromedp.CSS("#check-continue")))
	takePhotos(t, ctx)
	stepIs(t, ctx, "ready", 5*time.Second)
	browsertest.Step(t, ctx, "start the exam", chromedp.Click(chromedp.CSS("#start-exam")))
	recording(t, ctx)
	browsertest.Wait(t, ctx, "the window says the extension fills the code", `!document.getElementById('quiz-password-extension').hidden`, 20*time.Second)
	if browsertest.Eval[string](t, ctx, `document.body.innerText`) == "" || strings.Contains(browsertest.Eval[string](t, ctx, `document.body.innerText`), quiz.AccessCode) {
		t.Fatal("the proctoring window shows the access code")
	}

	// The quiz in the LMS, in another tab, as the student.
	takeURL := fmt.Sprintf("%s/courses/%s/quizzes/%s/take", l.URL, l.Seed.CourseID, quiz.ID)
	browsertest.Step(t, ctx, "act as the student in the LMS", chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(c, tg, network.SetCookie, network.SetCookieParams{Name: "devlms_user", Value: l.Seed.StudentIDs[0], URL: l.URL})
		return err
	}))
	tab := openTab(t, ctx, takeURL)
	browsertest.Wait(t, tab, "the extension fills the access code", `document.getElementById('access-code').dataset.vigilFilled === 'true'`, 40*time.Second)
	field := browsertest.Eval[map[string]any](t, tab, `(() => { const f = document.getElementById('access-code'); return {type: f.type, value: f.value, text: document.body.innerText}; })()`)
	if field["type"] != "password" || field["value"] != quiz.AccessCode || strings.Contains(field["text"].(string), quiz.AccessCode) {
		t.Fatalf("the access code field: type %v, right code %v, shown %v", field["type"], field["value"] == quiz.AccessCode, strings.Contains(field["text"].(string), quiz.AccessCode))
	}
	browsertest.Navigates(t, tab, "begin the quiz", chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	if text := browsertest.Eval[string](t, tab, `document.body.innerText`); !strings.Contains(text, "Quiz in progress") {
		t.Fatalf("the LMS refused the code:\n%s", text)
	}
	sid := onlySession(t, srv, exam).ID
	browsertest.Step(t, tab, "copy", chromedp.KeyEvent("c", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	browsertest.Eval[bool](t, tab, `document.dispatchEvent(new ClipboardEvent('paste', {bubbles: true}))`)
	waitExtensionEvent(t, srv, sid, "a copy", func(e proctor.Event) bool { return e.Kind == proctor.EventKey && e.Combo == "Ctrl+C" })
	waitExtensionEvent(t, srv, sid, "a paste", func(e proctor.Event) bool { return e.Kind == proctor.EventPaste })
	browsertest.Step(t, tab, "browse elsewhere", chromedp.Navigate(elsewhere.URL+"/answers?q=secret"))
	away := waitExtensionEvent(t, srv, sid, "the other site", func(e proctor.Event) bool {
		return e.Kind == proctor.EventNavigate && e.URL == elsewhere.URL+"/answers"
	})
	// Away for 4 s as the extension saw it: a batch (its heartbeat) came
	// after that with no navigation in between.
	eventuallyWithin(t, "an extension batch 4 s after leaving", 30*time.Second, func() bool {
		times, err := srv.Store.ListEventBatchTimes(context.Background(), sid, "extension")
		return err == nil && len(times) > 0 && !times[len(times)-1].Before(away.At.Add(4*time.Second))
	})
	browsertest.Step(t, tab, "back to the quiz", chromedp.Navigate(takeURL))
	waitExtensionEvent(t, srv, sid, "the way back to the quiz", func(e proctor.Event) bool {
		return e.Kind == proctor.EventNavigate && e.URL == takeURL && e.At.After(away.At)
	})

	browsertest.Step(t, ctx, "back to the proctoring window", chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(c, tg, page.BringToFront, cdp.Empty{})
		return err
	}))
	finishExam(t, ctx)
	checkExtensionVerdict(t, srv, exam, elsewhere.URL, takeURL)
}

// onlySession is the one session of an exam.
func onlySession(t *testing.T, srv *testserver.Server, exam proctor.Exam) proctor.Session {
	t.Helper()
	rows, err := srv.Store.ListExamSessions(context.Background(), exam.ID)
	if err != nil || len(rows) != 1 {
		t.Fatalf("sessions: %d %v", len(rows), err)
	}
	return rows[0].Session
}

// waitExtensionEvent waits until the server holds an event from the
// extension that matches (the extension sends a batch every 5 s).
func waitExtensionEvent(t *testing.T, srv *testserver.Server, sid int64, what string, match func(proctor.Event) bool) proctor.Event {
	t.Helper()
	var found proctor.Event
	eventuallyWithin(t, "the extension reports "+what, 30*time.Second, func() bool {
		events, err := srv.Store.ListEvents(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Source == "extension" && match(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// openTab opens url in a new tab of the browser and drives it.
func openTab(t *testing.T, ctx context.Context, url string) context.Context {
	t.Helper()
	var id target.ID
	browsertest.Step(t, ctx, "open a tab", chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(c, tg, target.CreateTarget, target.CreateTargetParams{URL: url})
		id = res.TargetID
		return err
	}))
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("attach to the new tab: %v", err)
	}
	return tab
}

func checkExtensionVerdict(t *testing.T, srv *testserver.Server, exam proctor.Exam, elsewhere, takeURL string) {
	t.Helper()
	sess := srv.WaitAnalysed(t, onlySession(t, srv, exam).ID)
	if !strings.Contains(strings.Join(sess.Sources, ","), "extension") {
		t.Errorf("sources %v lack the extension", sess.Sources)
	}
	events, _ := srv.Store.ListEvents(context.Background(), sess.ID)
	urls := map[string]bool{}
	for _, e := range events {
		if e.Source == "extension" {
			t.Logf("extension event %s %s %s", e.Kind, e.URL, e.Combo)
		}
		if e.Kind == proctor.EventNavigate {
			urls[e.URL] = true
			if strings.Contains(e.URL, "?") {
				t.Errorf("a query string was sent: %s", e.URL)
			}
		}
	}
	if !urls[takeURL] || !urls[elsewhere+"/answers"] {
		t.Errorf("navigations %v lack the quiz or the other site", urls)
	}
	vs, _ := srv.Store.ListViolations(context.Background(), sess.ID)
	found := map[string]bool{}
	for _, v := range vs {
		t.Logf("violation %s %s applied=%v %s (%s)", v.Type, v.Rule, v.Applied, v.Detail, v.Reason)
		switch {
		case v.Type == proctor.OnlineAid && v.Cause == proctor.CauseNavigate && v.Applied && v.Detail == elsewhere+"/answers":
			found["online aid"] = true
		case v.Type == proctor.OnlineAid && v.Cause == proctor.CauseNavigate:
			t.Errorf("the exam's own page counted as Online Aid: %s", v.Detail)
		case v.Type == proctor.Keystrokes && v.Detail == "Ctrl+C" && v.Applied:
			found["copy"] = true
		case v.Type == proctor.Keystrokes && v.Cause == proctor.CausePaste && v.Applied:
			found["paste"] = true
		}
	}
	for _, want := range []string{"online aid", "copy", "paste"} {
		if !found[want] {
			t.Errorf("no %s violation from the extension", want)
		}
	}
}
