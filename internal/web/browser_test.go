package web_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"vigil/internal/browsertest"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// TestReviewInABrowser walks the seed's path in a real headless Chromium:
// sign in with a one-time link → course dashboard → View Sessions → Student
// List → the first name opens the session in a new tab → a click on a
// timeline span moves the player there → the violation is excused.
func TestReviewInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sess := analysedSession(t, srv, f)
	vs, err := srv.Store.ListViolations(context.Background(), sess.ID)
	i := slices.IndexFunc(vs, func(v proctor.Violation) bool { return v.Type == proctor.LeftSession })
	if err != nil || len(vs) != 3 || i < 0 {
		t.Fatalf("violations %+v (err %v)", vs, err)
	}
	left := vs[i]
	ctx := browsertest.New(t)

	signInInBrowser(t, srv, ctx, &f.Instructor)
	if h := browsertest.Eval[string](t, ctx, `document.querySelector('h1').textContent`); !strings.Contains(h, "TEST-1") {
		t.Fatalf("course dashboard heading %q", h)
	}
	browsertest.Navigates(t, ctx, "View Sessions",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/exams/%d/sessions"]`, f.Exam.ID))))
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('table.students a.student').length`); n != 1 {
		t.Fatalf("the Student List shows %d names, want 1", n)
	}

	tab := openSessionTab(t, ctx)
	browsertest.Step(t, tab, "the player and its timeline load",
		chromedp.WaitVisible(chromedp.CSS(".timeline .span.applied")))
	if n := browsertest.Eval[int](t, tab, `document.querySelectorAll('.timeline .span').length`); n != 3 {
		t.Fatalf("%d spans on the timeline, want 3 (absence, background motion, key)", n)
	}

	startMS := left.Start.Sub(sess.ClientStartedAt).Milliseconds()
	browsertest.Step(t, tab, "click the Left Session span",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`.timeline .span.left_session[data-start="%d"]`, startMS))))
	if got := playerTime(t, tab); got != startMS {
		t.Fatalf("after clicking the span the player is at %d ms, want %d", got, startMS)
	}
	if cur := browsertest.Eval[string](t, tab, `document.getElementById('current').textContent`); !strings.Contains(cur, "Left Session") {
		t.Fatalf("current violation shown as %q", cur)
	}
	if red := browsertest.Eval[bool](t, tab, `document.querySelector('.timeline .span.left_session[data-start="`+strconv.FormatInt(startMS, 10)+`"]').classList.contains('active')`); !red {
		t.Fatal("the span under the playhead is not marked active (red)")
	}
	if src := browsertest.Eval[string](t, tab, `document.getElementById('frame').getAttribute('src')`); !strings.HasSuffix(src, "/frames/15") {
		t.Fatalf("frame shown at %d ms is %q, want frame 15", startMS, src)
	}
	checkSliderAndPlay(t, tab)
	excuseInBrowser(t, srv, tab, left)
}

// signInInBrowser follows a one-time sign-in link and its Continue button,
// and returns once the page the POST leads to has loaded: the course
// dashboard, whose link to the exam's sessions the sign-in page lacks.
func signInInBrowser(t *testing.T, srv *testserver.Server, ctx context.Context, u *proctor.User) {
	t.Helper()
	browsertest.Step(t, ctx, "open a one-time sign-in link", chromedp.Navigate(srv.SignInLink(t, u)))
	browsertest.Navigates(t, ctx, "continue to sign in", chromedp.Click(chromedp.CSS("#continue")))
	if path := browsertest.Eval[string](t, ctx, `location.pathname`); strings.HasPrefix(path, "/signin") {
		t.Fatalf("still on %s after signing in:\n%s", path, browsertest.Eval[string](t, ctx, `document.body.innerText`))
	}
}

func openSessionTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	newTab := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return strings.Contains(i.URL, "/sessions/") })
	browsertest.Step(t, ctx, "click the first name", chromedp.Click(chromedp.CSS("table.students a.student")))
	select {
	case id := <-newTab:
		tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
		t.Cleanup(cancel)
		// Attach on a context without a deadline: the attachment lives as
		// long as the context of the first run.
		if err := chromedp.Do(tab); err != nil {
			t.Fatalf("attach to the session tab: %v", err)
		}
		return tab
	case <-time.After(20 * time.Second):
		t.Fatal("the first name did not open the session in a new tab")
		return nil
	}
}

func playerTime(t *testing.T, tab context.Context) int64 {
	t.Helper()
	v := browsertest.Eval[string](t, tab, `document.getElementById('player').dataset.time`)
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("player time %q", v)
	}
	return ms
}

// checkSliderAndPlay: the keyboard moves the slider (and the player), and
// Play advances time.
func checkSliderAndPlay(t *testing.T, tab context.Context) {
	t.Helper()
	before := playerTime(t, tab)
	browsertest.Step(t, tab, "move the slider with the keyboard",
		chromedp.Focus(chromedp.CSS("#seek")), chromedp.KeyEvent(kb.ArrowRight))
	if after := playerTime(t, tab); after != before+1000 {
		t.Fatalf("ArrowRight on the slider moved the player from %d to %d ms, want +1000 (a second)", before, after)
	}
	browsertest.Step(t, tab, "play", chromedp.Click(chromedp.CSS("#play")))
	browsertest.Wait(t, tab, "Play advances the player",
		fmt.Sprintf(`Number(document.getElementById('player').dataset.time) >= %d`, before+400), 10*time.Second)
	browsertest.Step(t, tab, "pause", chromedp.Click(chromedp.CSS("#play")))
}

func excuseInBrowser(t *testing.T, srv *testserver.Server, tab context.Context, v proctor.Violation) {
	t.Helper()
	art := fmt.Sprintf("#violation-%d", v.ID)
	browsertest.Step(t, tab, "open Online Violations (no reload)", chromedp.Click(chromedp.CSS("#tab-violations")))
	browsertest.Step(t, tab, "the violation is listed", chromedp.WaitVisible(chromedp.CSS(art)))
	checkSnapshots(t, tab, art)
	browsertest.Step(t, tab, "decide to excuse",
		chromedp.Click(chromedp.CSS(art+` input[value="excused"]`)),
		chromedp.SendKeys(chromedp.CSS(art+" textarea"), "the student's lamp failed"))
	browsertest.Navigates(t, tab, "save the decision", chromedp.Click(chromedp.CSS(art+` button[type="submit"]`)))
	got, err := srv.Store.GetViolation(context.Background(), v.ID)
	if err != nil || got.Decision != proctor.DecisionExcused || got.DecisionNote != "the student's lamp failed" {
		t.Fatalf("after excusing in the browser: %+v (err %v)", got, err)
	}
	if flash := browsertest.Eval[string](t, tab, `document.querySelector('.flash').textContent`); !strings.Contains(flash, "Excused") {
		t.Fatalf("confirmation %q", flash)
	}
}

// checkSnapshots: the viewer opens on the first frame during the incident
// and the play control steps through the snapshots.
func checkSnapshots(t *testing.T, tab context.Context, art string) {
	t.Helper()
	pos := `document.querySelector('` + art + ` .snapshots .pos').textContent`
	src := `document.querySelector('` + art + ` .snapshots img').getAttribute('src')`
	if p := browsertest.Eval[string](t, tab, pos); !strings.HasPrefix(p, "2 / ") || !strings.Contains(p, "during") {
		t.Fatalf("snapshot viewer opens at %q, want the first frame during the incident", p)
	}
	first := browsertest.Eval[string](t, tab, src)
	browsertest.Step(t, tab, "play snapshots", chromedp.Click(chromedp.CSS(art+" .snapshots .play")))
	browsertest.Wait(t, tab, "the play control steps to the next snapshot", fmt.Sprintf(`%s !== %q`, src, first), 10*time.Second)
}
