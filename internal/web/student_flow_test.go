package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/devlms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// noScans is an exam that asks only for the onboarding photos.
func noScans(s *proctor.Settings) { s.IdentityFace, s.IdentityID = false, false }

// TestStudentFinishConfirmsAndReopenedLinkShowsReceipt: Finish asks once;
// "No" (or Escape) keeps recording. Once finished, the same link — in the
// same browser, and in a fresh one as on another computer — shows the
// finished exam and the same receipt, and never starts attempt 2.
func TestStudentFinishConfirmsAndReopenedLinkShowsReceipt(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, noScans)
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	url := studentURL(srv, srv.Link(t, f, 0))
	startExam(t, ctx, url, false)
	waitClientFrames(t, ctx, 4)

	browsertest.Step(t, ctx, "press Finish", chromedp.Click(chromedp.CSS("#finish")))
	browsertest.Wait(t, ctx, "Finish asks to confirm", `document.getElementById('finish-confirm').open`, 5*time.Second)
	if q := browsertest.Eval[string](t, ctx, `document.getElementById('finish-confirm').innerText`); !strings.Contains(q, "Finish the exam?") ||
		!strings.Contains(q, "cannot record any more") || browsertest.Eval[string](t, ctx, `document.activeElement.id`) != "finish-no" {
		t.Fatalf("the confirmation reads %q with the focus on %q; want the question, what it means, and the focus on No",
			q, browsertest.Eval[string](t, ctx, `document.activeElement.id`))
	}
	browsertest.AxeClean(t, ctx, "the Finish confirmation")
	browsertest.Step(t, ctx, "answer No", chromedp.Click(chromedp.CSS("#finish-no")))
	browsertest.Wait(t, ctx, "the dialog closes and the focus returns to Finish",
		`!document.getElementById('finish-confirm').open && document.activeElement.id === 'finish'`, 5*time.Second)
	taken := clientNext(t, ctx, "frames")
	waitClientFrames(t, ctx, taken+2) // still recording
	if browsertest.Eval[string](t, ctx, `document.body.dataset.step`) != "exam" {
		t.Fatal("answering No left the exam")
	}
	browsertest.Step(t, ctx, "press Finish, then Escape", chromedp.Click(chromedp.CSS("#finish")))
	browsertest.Wait(t, ctx, "Finish asks again", `document.getElementById('finish-confirm').open`, 5*time.Second)
	browsertest.Step(t, ctx, "Escape", chromedp.KeyEvent("\x1b"))
	browsertest.Wait(t, ctx, "Escape keeps recording", `!document.getElementById('finish-confirm').open && document.body.dataset.recording === 'true'`, 5*time.Second)

	finishExam(t, ctx)
	sess := sessionOf(t, srv, f)
	hash := browsertest.Eval[string](t, ctx, `document.getElementById('receipt-hash').textContent`)

	reopened := func(ctx context.Context, where string) {
		t.Helper()
		browsertest.Step(t, ctx, "open the link again "+where, chromedp.Navigate(url))
		stepIs(t, ctx, "done", 20*time.Second)
		browsertest.Wait(t, ctx, "the receipt is shown "+where, `document.body.dataset.receipt === 'shown'`, 15*time.Second)
		if got := browsertest.Eval[string](t, ctx, `document.getElementById('receipt-hash').textContent`); got != hash {
			t.Errorf("%s the receipt's fingerprint is %q, was %q", where, got, hash)
		}
		if again := sessionOf(t, srv, f); again.ID != sess.ID || again.Attempt != 1 {
			t.Fatalf("%s the link opened session %d (attempt %d), want the finished %d", where, again.ID, again.Attempt, sess.ID)
		}
		checkStudentPage(t, ctx, "done", "Done")
	}
	reopened(ctx, "in the same browser")
	if txt := browsertest.Eval[string](t, ctx, `document.getElementById('receipt-pending').textContent`); !strings.Contains(txt, "Vigil confirmed") {
		t.Errorf("the receipt says %q", txt)
	}
	reopened(browsertest.New(t), "on another computer")
}

// TestStudentReconnectAfterCloseCompletesUploads: the network drops, the
// student presses Finish while the recording waits on the computer, and
// closes the window. Opening the same link again with the network back
// finishes the upload: every frame arrives, the session is finished, and
// the receipt says what was sent again.
func TestStudentReconnectAfterCloseCompletesUploads(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, noScans)
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	url := studentURL(srv, srv.Link(t, f, 0))
	startExam(t, ctx, url, false)
	sid := sessionOf(t, srv, f).ID
	waitFrames(t, srv, sid, 3)

	browsertest.Step(t, ctx, "cut the network", offline(true))
	waitClientFrames(t, ctx, clientNext(t, ctx, "frames")+8)
	browsertest.Step(t, ctx, "press Finish", chromedp.Click(chromedp.CSS("#finish")))
	browsertest.Step(t, ctx, "confirm", chromedp.WaitVisible(chromedp.CSS("#finish-yes")), chromedp.Click(chromedp.CSS("#finish-yes")))
	stepIs(t, ctx, "finishing", 30*time.Second)
	browsertest.Wait(t, ctx, "uploads wait", `Number(document.getElementById('finish-progress').dataset.pending) > 5`, 15*time.Second)
	checkStudentPage(t, ctx, "finishing", "Exam")
	taken := clientNext(t, ctx, "frames")
	browsertest.Step(t, ctx, "close the window too early", chromedp.Navigate("about:blank"))
	if got, _ := srv.Store.CountFrames(context.Background(), sid); got >= int64(taken) {
		t.Fatalf("the server has %d of %d frames before the student came back: nothing was left to finish", got, taken)
	}

	browsertest.Step(t, ctx, "restore the network", offline(false))
	browsertest.Step(t, ctx, "open the same link again", chromedp.Navigate(url))
	stepIs(t, ctx, "done", 60*time.Second)
	browsertest.Wait(t, ctx, "the receipt is shown", `document.body.dataset.receipt === 'shown'`, 15*time.Second)
	got, err := srv.Store.CountFrames(context.Background(), sid)
	if err != nil || got != int64(taken) {
		t.Fatalf("the server has %d frames (%v), the client took %d", got, err, taken)
	}
	sess, _ := srv.Store.GetSession(context.Background(), sid)
	if sess.State.AcceptsUploads() {
		t.Fatalf("the session is %s, want finished", sess.State)
	}
	resent := browsertest.Eval[string](t, ctx, `document.getElementById('receipt-resent').hidden ? '' : document.getElementById('receipt-resent').textContent`)
	if !strings.Contains(resent, "The connection dropped once") || !strings.Contains(resent, "webcam pictures") || !strings.Contains(resent, "All of them arrived") {
		t.Fatalf("the receipt says of the drop: %q", resent)
	}
	t.Logf("%d frames; the receipt says: %s", got, resent)
}

// TestStudentFromTheLMSInOneWindow: a student opens the exam's link in the
// LMS, which launches Vigil in a window of its own (Moodle's "new window"):
// that window becomes the proctoring window — no third window. After the
// exam, the same link in the LMS opens the finished exam and its receipt,
// not a second attempt.
func TestStudentFromTheLMSInOneWindow(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startLMS(t, srv, lmsOptions{autoEnable: true, host: "localhost"})
	// The instructor opens the exam's link once (Moodle: an External tool
	// activity), which makes the exam.
	spec := devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID, ResourceLinkID: "exam-link",
		ResourceLinkTitle: "Final exam", TargetLinkURI: srv.URL + "/lti/exam", Frame: "window"}
	l.launch(t, browserClient(), spec)
	exams, err := srv.Store.ListExams(context.Background(), 1)
	if err != nil || len(exams) != 1 {
		t.Fatalf("exams: %d (%v)", len(exams), err)
	}
	exam := exams[0].Exam
	noScans(&exam.Settings)
	must(t, srv.Store.UpdateExamSettings(context.Background(), exam.ID, exam.Settings, srv.Now()))
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	spec.UserID = l.Seed.StudentIDs[0]
	launch := func(what string) {
		t.Helper()
		start, err := l.StartLaunchURL(spec)
		if err != nil {
			t.Fatal(err)
		}
		browsertest.Step(t, ctx, what, chromedp.Navigate(start))
		browsertest.Wait(t, ctx, "the launch window becomes the proctoring window", `location.pathname.startsWith('/s/') && !!document.body.dataset.step`, 20*time.Second)
	}
	launch("open the exam in the LMS")
	stepIs(t, ctx, "welcome", 10*time.Second)
	if pages := pageTargets(t, ctx); pages != 1 {
		t.Fatalf("%d windows are open, want the one proctoring window", pages)
	}
	checksPass(t, ctx, false)
	takePhotos(t, ctx)
	stepIs(t, ctx, "ready", 5*time.Second)
	browsertest.Step(t, ctx, "start the exam", chromedp.Click(chromedp.CSS("#start-exam")))
	recording(t, ctx)
	waitClientFrames(t, ctx, 3)
	finishExam(t, ctx)
	sess := onlySession(t, srv, exam)

	launch("open the exam in the LMS again")
	stepIs(t, ctx, "done", 20*time.Second)
	browsertest.Wait(t, ctx, "the receipt", `document.body.dataset.receipt === 'shown'`, 15*time.Second)
	if again := onlySession(t, srv, exam); again.ID != sess.ID {
		t.Fatalf("the LMS link opened session %d, want the finished %d", again.ID, sess.ID)
	}
}

// pageTargets counts the browser's open pages (tabs and windows).
func pageTargets(t *testing.T, ctx context.Context) int {
	t.Helper()
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, i := range infos {
		if i.Type == "page" {
			n++
		}
	}
	return n
}
