package web_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/devlms"
	vlms "vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// docShot saves a PNG of the page for the guides (docs/MOODLE.md,
// docs/CANVAS.md) when VIGIL_DOC_SCREENSHOTS names a folder
// (scripts/doc-screenshots sets it to docs/); otherwise it does nothing.
func docShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("VIGIL_DOC_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// laptopViewport is a laptop-sized window (the guides' screenshots).
func laptopViewport(t *testing.T, ctx context.Context) {
	t.Helper()
	viewport(t, ctx, 1100, 760)
}

// TestDynamicRegistrationInABrowser: the LMS administrator's side in a
// real browser. The LMS frames Vigil's registration page (Moodle's
// "Register tool with URL"); the page says what will be registered and
// warns of Moodle's cURL security; Register registers Vigil and the page
// tells the LMS to close its frame (postMessage org.imsglobal.lti.close).
// Then an instructor's deep-linking picker offers the course dashboard
// beside exams.
func TestDynamicRegistrationInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startBareLMS(t, srv, "moodle", "localhost")
	ctx := browsertest.New(t)
	laptopViewport(t, ctx)
	// Vigil's administrator makes the registration address on /admin.
	admin := &proctor.User{Email: "root@example.edu", Name: "Root Admin", Role: proctor.RoleAdmin}
	if err := srv.Store.CreateUser(context.Background(), admin, ""); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, srv, admin)
	browsertest.Step(t, ctx, "open the administration page", chromedp.Navigate(srv.URL+"/admin"))
	browsertest.Navigates(t, ctx, "make a registration address", chromedp.Click(chromedp.CSS("#new-registration-link")))
	browsertest.Wait(t, ctx, "the address shows", `!!document.getElementById('registration-url')`, 10*time.Second)
	browsertest.Step(t, ctx, "scroll to it", chromedp.Evaluate[chromedp.Void](`document.getElementById('registration-h').scrollIntoView()`))
	docShot(t, ctx, "admin-registration-address.png")
	link := browsertest.Eval[string](t, ctx, `document.querySelector('#registration-url code').textContent`)
	if !strings.HasPrefix(link, srv.URL+"/lti/register/") {
		t.Fatalf("registration address %q", link)
	}
	browsertest.Step(t, ctx, "paste Vigil's registration address into the LMS",
		chromedp.Navigate(l.URL+"/admin/register?url="+url.QueryEscape(link)))
	frame := frameOf(t, ctx, srv.URL+"/lti/register/")
	browsertest.Wait(t, frame, "Vigil's registration page shows", `!!document.getElementById('register')`, 15*time.Second)
	text := browsertest.Eval[string](t, frame, `document.body.innerText`)
	if !strings.Contains(text, "no grades") || !strings.Contains(text, "cURL allowed ports list") {
		t.Fatalf("the registration page:\n%s", text)
	}
	browsertest.AxeClean(t, frame, "Vigil's registration page in the LMS's frame")
	docShot(t, ctx, "moodle-register-with-url.png")
	browsertest.Step(t, frame, "register", chromedp.Click(chromedp.CSS("#register")))
	browsertest.Wait(t, ctx, "the LMS closes the registration frame", `document.body.dataset.registration === 'closed'`, 20*time.Second)
	regs := l.Registrations()
	if len(regs) != 1 {
		t.Fatalf("registrations: %d", len(regs))
	}
	p, err := srv.Store.FindPlatform(context.Background(), l.Issuer(), regs[0].ClientID)
	if err != nil {
		t.Fatal(err)
	}

	// The course is turned on (as an administrator would), and the
	// instructor adds an activity by "Select content".
	p.AutoEnable = true
	if err := srv.LTI.LMS.SavePlatform(context.Background(), vlms.Who{Name: "test"}, p); err != nil {
		t.Fatal(err)
	}
	start, err := l.StartLaunchURL(devlms.LaunchSpec{Kind: devlms.LaunchDeepLink, ClientID: regs[0].ClientID, CourseID: l.Seed.CourseID,
		UserID: l.Seed.InstructorID})
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Step(t, ctx, "select content for a new activity", chromedp.Navigate(start))
	browsertest.Wait(t, ctx, "the picker offers the dashboard", `!!document.getElementById('place-dashboard')`, 20*time.Second)
	browsertest.AxeClean(t, ctx, "the deep-linking picker")
	docShot(t, ctx, "moodle-select-content.png")
}

// TestQuizPasswordInABrowser: the quiz password in the real proctoring
// window. The instructor's settings page shows the password to paste into
// the LMS; the student's window shows it once recording runs, hides it
// within seconds when the network drops (nothing reaches Vigil), shows it
// again when the recording does, and hides it when the student finishes.
func TestQuizPasswordInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	qp, err := srv.LTI.LMS.MakeQuizPassword(context.Background(), vlms.Who{Name: "test"}, f.Exam.ID)
	if err != nil {
		t.Fatal(err)
	}

	teacher := browsertest.New(t)
	laptopViewport(t, teacher)
	signIn(t, teacher, srv, &f.Instructor)
	browsertest.Step(t, teacher, "open the exam's settings", chromedp.Navigate(srv.URL+"/exams/"+itoa(f.Exam.ID)+"/settings"))
	browsertest.Wait(t, teacher, "the quiz password shows", `document.getElementById('quiz-password-value') && document.getElementById('quiz-password-value').textContent === `+jsString(qp.Password), 10*time.Second)
	docShot(t, teacher, "exam-settings-quiz-password.png")

	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	laptopViewport(t, ctx)
	startExam(t, ctx, studentURL(srv, srv.Link(t, f, 0)), false)
	shown := `!document.getElementById('quiz-password-box').hidden && document.getElementById('quiz-password').textContent === ` + jsString(qp.Password)
	hidden := `document.getElementById('quiz-password-box').hidden && document.getElementById('quiz-password').textContent === ''`
	browsertest.Wait(t, ctx, "the quiz password shows while recording", shown, 20*time.Second)
	docShot(t, ctx, "student-quiz-password.png")
	browsertest.Step(t, ctx, "cut the network", offline(true))
	browsertest.Wait(t, ctx, "the password is hidden within seconds", hidden, 8*time.Second)
	browsertest.Step(t, ctx, "restore the network", offline(false))
	browsertest.Wait(t, ctx, "the password shows again", shown, 20*time.Second)
	finishExam(t, ctx)
	if !browsertest.Eval[bool](t, ctx, hidden) {
		t.Fatal("the password is still on the page after finishing")
	}
}

func signIn(t *testing.T, ctx context.Context, srv *testserver.Server, u *proctor.User) {
	t.Helper()
	browsertest.Step(t, ctx, "open a sign-in link", chromedp.Navigate(srv.SignInLink(t, u)))
	browsertest.Wait(t, ctx, "the sign-in page", `!!document.getElementById('continue')`, 10*time.Second)
	browsertest.Navigates(t, ctx, "sign in with the link", chromedp.Click(chromedp.CSS("#continue")))
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// TestMoodleDeepLinkBackInABrowser: after a deep-linking return the LMS
// refused (Moodle 5.1 shows an exception when its cURL security blocks
// Vigil's key set), the browser's Back brings Vigil's page, which says
// what probably went wrong (Vigil here is on a loopback address and an
// odd port, which Moodle blocks by default) — and does not post the same
// answer again.
func TestMoodleDeepLinkBackInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true, host: "localhost"})
	// Without the back-forward cache: a page it restores fires no load,
	// and chromedp loses track of the frame for seconds, so that neither a
	// navigation nor the page could be waited for. Back then loads the
	// page again, as a browser does that keeps no such cache.
	ctx := browsertest.New(t, chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,BackForwardCache"))
	start, err := l.StartLaunchURL(devlms.LaunchSpec{Kind: devlms.LaunchDeepLink, CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Step(t, ctx, "select content", chromedp.Navigate(start))
	browsertest.Wait(t, ctx, "the picker", `!!document.getElementById('place-new')`, 20*time.Second)
	browsertest.Step(t, ctx, "name a new exam", chromedp.SetValue(chromedp.CSS("#new-title"), "Midterm"))
	browsertest.Navigates(t, ctx, "create and add", chromedp.Click(chromedp.CSS("#place-new")))
	browsertest.Wait(t, ctx, "the LMS took the link", `location.href.startsWith(`+jsString(l.URL)+`) && document.readyState === 'complete'`, 20*time.Second)
	if n := len(l.DeepLinks()); n != 1 {
		t.Fatalf("the LMS has %d links, want 1", n)
	}
	// Chromium skips the page that posted itself (no user action left it):
	// Back lands on the picker, which says what probably went wrong. A
	// browser that stops at the posting page finds it not posting again.
	// Not Navigates: a page restored from the back-forward cache fires no
	// load, so the wait below is for the page Back shows, by its address.
	browsertest.Step(t, ctx, "press Back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	browsertest.Wait(t, ctx, "Vigil's page, which does not post again",
		`location.href.startsWith(`+jsString(srv.URL)+`) && document.readyState === 'complete' && !!document.getElementById('return-trouble') &&
		(!!document.getElementById('place-new') || document.getElementById('lti').dataset.posted === 'back')`, 20*time.Second)
	if txt := browsertest.Eval[string](t, ctx, `document.getElementById('return-trouble').innerText`); !strings.Contains(txt, "/lti/jwks") {
		t.Fatalf("the page after Back:\n%s", txt)
	}
	if n := len(l.DeepLinks()); n != 1 {
		t.Fatalf("after Back the LMS has %d links, want 1 (the answer was posted again)", n)
	}
}
