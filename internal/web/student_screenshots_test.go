package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/testserver"
)

// screenshotDir is where the student flow's screenshots go: docs/screenshots
// when VIGIL_UPDATE_SCREENSHOTS=1 (to refresh the ones docs/STUDENT.md
// shows), else a temporary folder.
func screenshotDir(t *testing.T) string {
	if os.Getenv("VIGIL_UPDATE_SCREENSHOTS") == "1" {
		return filepath.Join("..", "..", "docs", "screenshots")
	}
	return t.TempDir()
}

// shoot saves the page's main content as a PNG and checks it is one.
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	data, err := chromedp.Run(sctx, chromedp.Screenshot(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() < 300 || img.Bounds().Dy() < 200 {
		t.Fatalf("screenshot %s: not a usable PNG (%v)", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStudentScreenshots walks the student's flow in a real browser with
// the fake camera and microphone and takes a screenshot of each step, then
// of a released review with its evidence and of the instructor's page with
// the student's explanation. VIGIL_UPDATE_SCREENSHOTS=1 writes them to
// docs/screenshots.
func TestStudentScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, func(s *proctor.Settings) { s.IdentityID = false })
	must(t, srv.Store.SetAccommodation(context.Background(), &proctor.Accommodation{ExamID: f.Exam.ID, StudentID: f.Students[0].ID,
		Off: []proctor.ViolationType{proctor.LeftSession}, AllowedApps: []string{"NVDA"}, UpdatedAt: srv.Now()}))
	must(t, srv.Student.SetCourse(context.Background(), review.Actor{User: &f.Instructor}, f.Course.ID, true))
	ctx := studentBrowser(t, "speech_jfk_48k.wav", "")
	browsertest.Step(t, ctx, "a narrower window, as on a laptop", chromedp.EmulateViewport(900, 900))

	url := studentURL(srv, srv.Link(t, f, 0))
	browsertest.Step(t, ctx, "open the session link", chromedp.Navigate(url))
	stepIs(t, ctx, "welcome", 15*time.Second)
	browsertest.Wait(t, ctx, "the consent page is filled in", `!document.getElementById('accommodations').hidden`, 10*time.Second)
	shoot(t, ctx, dir, "student-1-consent")
	runChecks(t, ctx, false)
	shoot(t, ctx, dir, "student-2-system-check")
	browsertest.Step(t, ctx, "continue", chromedp.Click(chromedp.CSS("#check-continue")))
	stepIs(t, ctx, "photos", 10*time.Second)
	for n := 0; browsertest.Eval[int](t, ctx, `document.querySelectorAll('#accepted-photos img').length`) == 0; n++ {
		if n == 6 {
			t.Fatal("no photo accepted in 6 tries")
		}
		browsertest.Step(t, ctx, "take a photo", chromedp.WaitEnabled(chromedp.CSS("#take-photo")), chromedp.Click(chromedp.CSS("#take-photo")))
		browsertest.Wait(t, ctx, "the photo is checked", fmt.Sprintf(`Number(document.getElementById('photo-result').dataset.attempts) > %d`, n), 20*time.Second)
	}
	shoot(t, ctx, dir, "student-3-photos")
	takePhotos(t, ctx)
	stepIs(t, ctx, "ready", 5*time.Second)
	shoot(t, ctx, dir, "student-4-ready")
	browsertest.Step(t, ctx, "start the exam", chromedp.Click(chromedp.CSS("#start-exam")))
	recording(t, ctx)
	waitClientFrames(t, ctx, 6)
	shoot(t, ctx, dir, "student-5-recording")
	browsertest.Step(t, ctx, "press Finish", chromedp.Click(chromedp.CSS("#finish")))
	browsertest.Wait(t, ctx, "the confirmation", `document.getElementById('finish-confirm').open`, 5*time.Second)
	shoot(t, ctx, dir, "student-6-finish-confirm")
	browsertest.Step(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#finish-yes")))
	stepIs(t, ctx, "done", 60*time.Second)
	browsertest.Wait(t, ctx, "the receipt", `document.body.dataset.receipt === 'shown'`, 15*time.Second)
	shoot(t, ctx, dir, "student-7-receipt")

	// A released review: another student's exam with a second person in
	// view, speech and a copy, played through the API.
	st := mailedStudent(t, srv, f)
	sess, link := flaggedSession(t, srv, f, st)
	if _, err := srv.Student.Release(context.Background(), review.Actor{User: &f.Instructor}, sess.ID, srv.Now().Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rctx := browsertest.New(t, chromedp.WindowSize(900, 900))
	browsertest.Step(t, rctx, "open the exam link after release", chromedp.Navigate(studentURL(srv, link)))
	browsertest.Wait(t, rctx, "the review and its evidence", `document.body.dataset.review === 'shown' &&
		[...document.querySelectorAll('#review-flags img')].every((i) => i.complete && i.naturalWidth > 0)`, 30*time.Second)
	browsertest.Step(t, rctx, "explain the second person", chromedp.SendKeys(chromedp.CSS(`#review-flags article[data-key^="multiple_people@"] textarea`),
		"My little brother walked in to ask for help with his homework; I sent him out."))
	browsertest.Step(t, rctx, "send", chromedp.Click(chromedp.CSS("#send-explanations")))
	browsertest.Wait(t, rctx, "sent", `document.body.dataset.explained === '1'`, 15*time.Second)
	shoot(t, rctx, dir, "student-8-review")

	signInInBrowser(t, srv, rctx, &f.Instructor)
	browsertest.Step(t, rctx, "open the session's violations", chromedp.Navigate(fmt.Sprintf("%s/sessions/%d?tab=violations", srv.URL, sess.ID)))
	browsertest.Step(t, rctx, "the explanation is there", chromedp.WaitVisible(chromedp.CSS(".explanation")))
	shoot(t, rctx, dir, "instructor-explanation")
	t.Logf("screenshots in %s", dir)
}
