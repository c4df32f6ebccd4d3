package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/devlms"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
)

// TestLTIInABrowser: an instructor opens Vigil from the course menu inside
// the LMS's frame (the LMS on another site), first with third-party
// cookies allowed — the dashboard opens in the frame — then blocked: the
// launch proves its state through the LMS's client-side storage and Vigil
// opens in a tab of its own.
func TestLTIInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	l := startLMS(t, srv, lmsOptions{autoEnable: true, host: "localhost"})
	spec := devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID, Frame: "iframe", StorageTarget: true}

	t.Run("third-party cookies allowed", func(t *testing.T) {
		ctx := browsertest.New(t, browsertest.AllowThirdPartyCookies(t))
		start, err := l.StartLaunchURL(spec)
		if err != nil {
			t.Fatal(err)
		}
		browsertest.Step(t, ctx, "open the course page with Vigil in its frame", chromedp.Navigate(start))
		frame := frameOf(t, ctx, srv.URL+"/courses/")
		browsertest.Wait(t, frame, "the dashboard shows in the frame", `document.body.innerText.includes('Proctoring dashboard')`, 15*time.Second)
		// lti.frameResize: the LMS's frame takes the page's own height
		// (the host page's CSS alone would make it 75% of the window).
		want := browsertest.Eval[int](t, frame, `Math.ceil(document.body.getBoundingClientRect().height)`)
		browsertest.Wait(t, ctx, "the LMS's frame fits Vigil's page",
			fmt.Sprintf(`document.getElementById('tool-frame').style.height === '%dpx'`, want), 10*time.Second)
	})

	t.Run("third-party cookies blocked", func(t *testing.T) {
		ctx := browsertest.New(t)
		browsertest.Step(t, ctx, "block third-party cookies", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true})
			return err
		}))
		start, err := l.StartLaunchURL(spec)
		if err != nil {
			t.Fatal(err)
		}
		browsertest.Step(t, ctx, "open the course page with Vigil in its frame", chromedp.Navigate(start))
		frame := frameOf(t, ctx, srv.URL+"/lti/verify")
		browsertest.Wait(t, frame, "Vigil offers a tab of its own", `!!document.getElementById('lti-newtab') && !document.getElementById('lti-newtab').hidden`, 15*time.Second)
		browsertest.AxeClean(t, frame, "the page offering a tab of its own")
		newTab := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return strings.Contains(i.URL, "/lti/handoff/") })
		browsertest.Step(t, frame, "open Vigil in a new tab", chromedp.Click(chromedp.CSS("#open-tab")))
		tab := attach(t, ctx, newTab, "the new tab")
		browsertest.Step(t, tab, "the hand-off page loads", chromedp.WaitVisible(chromedp.CSS("#continue")))
		browsertest.AxeClean(t, tab, "the hand-off page")
		browsertest.Navigates(t, tab, "continue in the new tab", chromedp.Click(chromedp.CSS("#continue")))
		browsertest.Wait(t, tab, "the dashboard shows in the tab", `document.body.innerText.includes('Proctoring dashboard')`, 15*time.Second)
	})
}

// TestLTIOnPlainHTTP: Vigil served over plain http under a name that is
// not this computer's loopback (an intranet set-up) can only set a
// SameSite=Lax state cookie, which the platform's cross-site post leaves
// behind. The launch page posts to Vigil itself, the cookie comes back on
// that same-site post, and the instructor lands on the dashboard.
func TestLTIOnPlainHTTP(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true, Host: "vigil.test"})
	l := startLMS(t, srv, lmsOptions{autoEnable: true})
	ctx := browsertest.New(t, chromedp.Flag("host-resolver-rules", "MAP vigil.test 127.0.0.1"))
	start, err := l.StartLaunchURL(devlms.LaunchSpec{CourseID: l.Seed.CourseID, UserID: l.Seed.InstructorID})
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Step(t, ctx, "launch Vigil from the course in a window of its own", chromedp.Navigate(start))
	browsertest.Wait(t, ctx, "the dashboard opens", `document.body.innerText.includes('Proctoring dashboard')`, 20*time.Second)
	var cookies []*network.Cookie
	browsertest.Step(t, ctx, "read the cookies", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL + "/lti/"}})
		cookies = res.Cookies
		return err
	}))
	for _, c := range cookies {
		if strings.HasPrefix(c.Name, "vigil_lti_") {
			t.Fatalf("the state cookie %s outlived its launch", c.Name)
		}
	}
}

// frameOf attaches to the out-of-process frame (another site) whose
// address starts with prefix.
func frameOf(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	var fctx context.Context
	testwait.For(t, "a frame at "+prefix+" (the targets)", 15*time.Second, func() ([]string, bool) {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, ti := range targets {
			if ti.Type == "iframe" && strings.HasPrefix(ti.URL, prefix) {
				c, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
				t.Cleanup(cancel)
				if err := chromedp.Do(c); err != nil {
					t.Fatalf("attach to the frame: %v", err)
				}
				fctx = c
				return nil, true
			}
			urls = append(urls, ti.Type+" "+ti.URL)
		}
		return urls, false
	})
	return fctx
}

func attach(t *testing.T, ctx context.Context, ch <-chan target.ID, what string) context.Context {
	t.Helper()
	select {
	case id := <-ch:
		tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
		t.Cleanup(cancel)
		if err := chromedp.Do(tab); err != nil {
			t.Fatalf("attach to %s: %v", what, err)
		}
		return tab
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not open", what)
		return nil
	}
}

// TestLTIProctoringInABrowser: a student starts a proctored attempt from
// the LMS (LTI Proctoring Services): the launch page opens the proctoring
// window, the student passes the checks there and starts recording, the
// quiz's access code appears in the proctoring window, and the launch page
// goes on by itself to the LMS's assessment (LtiStartAssessment).
func TestLTIProctoringInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	l := startLMS(t, srv, lmsOptions{autoEnable: true, host: "localhost"})
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	start, err := l.StartLaunchURL(devlms.LaunchSpec{Kind: devlms.LaunchProctoring, CourseID: l.Seed.CourseID,
		UserID: l.Seed.StudentIDs[0], ResourceLinkID: l.Seed.QuizIDs[1], Initiation: "POST"})
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Step(t, ctx, "start the proctored attempt in the LMS", chromedp.Navigate(start))
	browsertest.Wait(t, ctx, "the launch page asks to open the proctoring window", `!!document.getElementById('open-proctoring')`, 15*time.Second)

	// The exam proctors a quiz with a hidden access code (as a Canvas quiz would).
	exams, err := srv.Store.ListExams(context.Background(), 1)
	if err != nil || len(exams) != 1 {
		t.Fatalf("exams: %d (%v)", len(exams), err)
	}
	if err := srv.Store.SaveLMSQuiz(context.Background(), &proctor.LMSQuiz{ExamID: exams[0].ID, QuizID: l.Seed.QuizIDs[1], AccessCode: "hidden-code-42"}); err != nil {
		t.Fatal(err)
	}

	newTab := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return strings.Contains(i.URL, "/s/") })
	browsertest.Step(t, ctx, "open the proctoring window", chromedp.Click(chromedp.CSS("#open-proctoring")))
	win := attach(t, ctx, newTab, "the proctoring window")
	stepIs(t, win, "welcome", 15*time.Second)
	checksPass(t, win, false)
	takePhotos(t, win)
	stepIs(t, win, "ready", 5*time.Second)
	browsertest.Step(t, win, "start the exam", chromedp.Click(chromedp.CSS("#start-exam")))
	recording(t, win)
	browsertest.Wait(t, win, "the access code is shown", `document.getElementById('quiz-password').textContent === 'hidden-code-42'`, 20*time.Second)

	browsertest.Wait(t, ctx, "the LMS starts the assessment", `document.body.innerText.includes('Assessment started')`, 30*time.Second)
	att := l.Attempts()
	if len(att) != 1 || att[0].State != devlms.AttemptStarted {
		t.Fatalf("attempts: %+v", att)
	}
}
