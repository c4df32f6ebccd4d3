//go:build moodlecheck

// TestMoodle: see doc.go and scripts/moodle-check.
package moodlecheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/testwait"
)

// env is a required setting from the environment scripts/moodle-check sets.
func env(t *testing.T, k string) string {
	t.Helper()
	v := os.Getenv(k)
	if v == "" {
		t.Fatalf("%s is not set (run scripts/moodle-check)", k)
	}
	return v
}

// shot saves a 1366-wide screenshot of the viewport as name in
// MOODLECHECK_SHOTS (when set).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("MOODLECHECK_SHOTS")
	if dir == "" {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// The picture is of what the page has painted: wait for two frames
	// drawn after the last change the step made.
	painted := chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)
	// A tab behind another window paints nothing: bring it to the front.
	if _, err := chromedp.Call(sctx, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatalf("screenshot %s: bring the tab to the front: %v", name, err)
	}
	if _, err := chromedp.Run(sctx, painted); err != nil {
		t.Fatalf("screenshot %s: the page paints no frame: %v", name, err)
	}
	buf, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func viewport(t *testing.T, ctx context.Context, h int64) {
	t.Helper()
	browsertest.Step(t, ctx, "viewport", chromedp.EmulateViewport(1366, h))
}

// login signs in to Moodle (again when the login page comes back: the
// built-in PHP server sometimes loses the first try's session).
func login(t *testing.T, ctx context.Context, moodle, user, pass string) {
	t.Helper()
	for try := 0; try < 3; try++ {
		browsertest.Step(t, ctx, "open Moodle's login page", chromedp.Navigate(moodle+"/login/index.php"))
		browsertest.Step(t, ctx, "type the user name and password", chromedp.WaitVisible(chromedp.CSS("#loginbtn")),
			chromedp.SetValue(chromedp.CSS("#username"), user), chromedp.SetValue(chromedp.CSS("#password"), pass))
		browsertest.Navigates(t, ctx, "log in as "+user, chromedp.Click(chromedp.CSS("#loginbtn")))
		if waitTrue(ctx, `document.readyState === 'complete' && !location.pathname.startsWith('/login/') && !!document.body && !document.body.classList.contains('notloggedin')`, 20*time.Second) {
			return
		}
	}
	t.Fatalf("logging in as %s failed:\n%s", user, text(t, ctx))
}

// frameOf attaches to the cross-site frame whose address starts with prefix.
func frameOf(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	return attach(t, ctx, "a frame at "+prefix, 20*time.Second, func(ti *target.Info) bool {
		return ti.Type == "iframe" && strings.HasPrefix(ti.URL, prefix)
	})
}

// attach waits for a browser target (a frame, a new window) that match
// accepts and attaches to it. The context is not cancelled when the step
// ends: that would close the target, which later steps use; the browser's
// end ends it.
func attach(t *testing.T, ctx context.Context, what string, timeout time.Duration, match func(*target.Info) bool) context.Context {
	t.Helper()
	return testwait.For(t, what, timeout, func() (any, bool) {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, ti := range targets {
			if !match(ti) {
				seen = append(seen, ti.Type+" "+ti.URL)
				continue
			}
			c, _ := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
			if err := chromedp.Do(c); err != nil {
				// It navigated while attaching: again.
				t.Logf("attach to %s: %v", what, err)
				return err, false
			}
			return c, true
		}
		return seen, false
	}).(context.Context)
}

func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	return browsertest.Eval[string](t, ctx, `document.body ? document.body.innerText : ''`)
}

// state carries what one step finds to the next.
type state struct {
	moodle, vigil string
	admin         context.Context
	parent        *testing.T // browsers live as long as the whole walk
	toolID        string
	teacher       context.Context
	addURL        string // a new Vigil activity's form
	examCM        string // the activities placed with Select content
	dashCM        string
	examID        string // Vigil's exam
	teacherVigil  context.Context
	password      string // the exam's quiz password
	student       context.Context
	studentVigil  context.Context
}

func TestMoodle(t *testing.T) {
	st := &state{moodle: strings.TrimRight(env(t, "MOODLE_URL"), "/"), vigil: strings.TrimRight(env(t, "VIGIL_URL"), "/")}
	st.admin = newBrowser(t, st)
	viewport(t, st.admin, 900)
	st.parent = t
	steps := []struct {
		name string
		run  func(t *testing.T, st *state)
		// aside: the steps after it do not need it
		aside bool
	}{
		{"register", register, false},
		{"settings", settings, false},
		{"chooser", chooser, false},
		{"select-content", selectContent, false},
		{"course-request-approved", request, false},
		{"deep-link-curl-blocked", deepLinkBlocked, true},
		{"deep-link-curl-blocked-picker-explains", deepLinkBlockedExplained, true},
		{"deep-link-exam-and-dashboard", deepLink, false},
		{"teacher-launches", teacherLaunches, false},
		{"nrps-roster", roster, false},
		{"quiz-password-set", quizPassword, false},
		{"student-quiz-without-vigil", studentDirect, false},
		{"student-proctoring-window-and-quiz", studentVigil, false},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) { s.run(t, st) }) {
			where(t, st, s.name)
			if s.aside {
				fmt.Printf("FAIL %s\n", s.name)
				continue
			}
			fmt.Printf("FAIL %s (the steps after it need it)\n", s.name)
			t.FailNow()
		}
		fmt.Printf("PASS %s\n", s.name)
	}
}

// register: Dynamic Registration from Manage tools (docs/MOODLE.md step 2).
func register(t *testing.T, st *state) {
	ctx := st.admin
	login(t, ctx, st.moodle, "admin", env(t, "MOODLE_ADMIN_PASSWORD"))
	browsertest.Step(t, ctx, "open Manage tools", chromedp.Navigate(st.moodle+"/mod/lti/toolconfigure.php"))
	browsertest.Step(t, ctx, "paste the registration address", chromedp.WaitVisible(chromedp.CSS("#tool-url")),
		chromedp.SendKeys(chromedp.CSS("#tool-url"), env(t, "VIGIL_REGISTRATION_URL")))
	shot(t, ctx, "moodle-manage-tools.png")
	browsertest.Step(t, ctx, "press Add LTI Advantage", chromedp.Click(chromedp.CSS("#tool-create-button")))
	frame := frameOf(t, ctx, st.vigil+"/lti/register/")
	browsertest.Wait(t, frame, "Vigil's registration page shows", `!!document.getElementById('register')`, 20*time.Second)
	shot(t, ctx, "moodle-register-with-url.png")
	browsertest.Step(t, frame, "press Register Vigil", chromedp.Click(chromedp.CSS("#register")))
	browsertest.Wait(t, ctx, "Moodle closes the frame and lists the tool",
		`!document.querySelector('#external-registration-template-container iframe') && [...document.querySelectorAll('.tool-card')].some(c => c.innerText.includes('Vigil'))`, 30*time.Second)
	shot(t, ctx, "moodle-tool-registered.png")
	t.Logf("the tool list:\n%s", browsertest.Eval[string](t, ctx, `document.querySelector('#tool-list-container').innerText`))
}

// settings: Activate the pending tool, then the settings table of
// docs/MOODLE.md step 2 on the real form: what Dynamic Registration set,
// and the two values the administrator changes.
func settings(t *testing.T, st *state) {
	ctx := st.admin
	browsertest.Step(t, ctx, "press Activate on the tool's card", chromedp.Click(chromedp.CSS(".tool-card a.activate")))
	browsertest.Wait(t, ctx, "the tool is active", `![...document.querySelectorAll('.tool-card')].some(c => c.innerText.includes('Pending'))`, 15*time.Second)
	st.toolID = browsertest.Eval[string](t, ctx, `String(document.querySelector('.tool-card').dataset.typeId || '')`)
	if st.toolID == "" {
		t.Fatal("the tool card has no type id")
	}
	sesskey := browsertest.Eval[string](t, ctx, `M.cfg.sesskey`)
	browsertest.Step(t, ctx, "open the tool's settings (the pencil)",
		chromedp.Navigate(st.moodle+"/mod/lti/typessettings.php?action=update&id="+st.toolID+"&sesskey="+sesskey+"&returnto=toolconfigure"))
	browsertest.Step(t, ctx, "the form shows", chromedp.WaitVisible(chromedp.CSS("#id_lti_coursevisible")))
	browsertest.Eval[bool](t, ctx, `(document.querySelectorAll('a.collapseexpand, a[data-toggle=collapse].collapsed, .collapsible-actions a').forEach(a => { if (/expand/i.test(a.textContent)) a.click(); }), true)`)
	// Moodle's own toggle says "Collapse all" once every section is open.
	browsertest.Wait(t, ctx, "every section of the form open",
		`[...document.querySelectorAll('a.collapseexpand, .collapsible-actions a')].some(a => /collapse all/i.test(a.textContent)) && !document.querySelector('.collapsing')`, 10*time.Second)
	got := browsertest.Eval[map[string]any](t, ctx, `(() => { const v = (id) => { const e = document.getElementById(id); if (!e) return null;
		if (e.type === 'checkbox') return e.checked ? 'on' : 'off'; if (e.tagName === 'SELECT') return e.options[e.selectedIndex].text; return e.value; };
		return {coursevisible: v('id_lti_coursevisible'), launchcontainer: v('id_lti_launchcontainer'), acceptgrades: v('id_lti_acceptgrades'),
		  memberships: v('id_ltiservice_memberships'), gradesync: v('id_ltiservice_gradesynchronization'), sendname: v('id_lti_sendname'), sendemail: v('id_lti_sendemailaddr'),
		  contentitem: v('id_lti_contentitem'), contentitemurl: v('id_lti_toolurl_ContentItemSelectionRequest'), toolurl: v('id_lti_toolurl'),
		  keytype: v('id_lti_keytype'), jwks: v('id_lti_publickeyset'), login: v('id_lti_initiatelogin'), redirect: v('id_lti_redirectionuris')}; })()`)
	for k, v := range got {
		t.Logf("as registered: %s = %v", k, v)
	}
	scrollTo(t, ctx, "id_lti_coursevisible")
	shot(t, ctx, "moodle-tool-settings.png")
	browsertest.Step(t, ctx, "Tool configuration usage: Show in activity chooser and as a preconfigured tool",
		chromedp.SetValue(chromedp.CSS("#id_lti_coursevisible"), "2"))
	browsertest.Step(t, ctx, "Default launch container: New window", chromedp.SetValue(chromedp.CSS("#id_lti_launchcontainer"), "4"))
	scrollTo(t, ctx, "id_lti_coursevisible")
	shot(t, ctx, "moodle-tool-settings-changed.png")
	scrollTo(t, ctx, "id_ltiservice_memberships")
	shot(t, ctx, "moodle-tool-settings-services.png")
	browsertest.Navigates(t, ctx, "save", chromedp.Click(chromedp.CSS("#id_submitbutton")))
	t.Logf("after saving: %s", browsertest.Eval[string](t, ctx, `location.href`))
}

func scrollTo(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	browsertest.Eval[bool](t, ctx, `(document.getElementById('`+id+`').scrollIntoView({block: 'center', behavior: 'instant'}), true)`)
}

// chooser: the teacher adds Vigil from the activity chooser and presses
// Select content (docs/MOODLE.md step 5).
func chooser(t *testing.T, st *state) {
	ctx := newBrowser(st.parent, st)
	st.teacher = ctx
	viewport(t, ctx, 900)
	login(t, ctx, st.moodle, "teacher", env(t, "MOODLE_USER_PASSWORD"))
	course := env(t, "MOODLE_COURSE_ID")
	browsertest.Step(t, ctx, "open the course", chromedp.Navigate(st.moodle+"/course/view.php?id="+course))
	browsertest.Navigates(t, ctx, "turn editing on", chromedp.Click(chromedp.CSS(".editmode-switch-form input[name=setmode]")))
	browsertest.Wait(t, ctx, "the add buttons show", `!!document.querySelector('[data-action=open-chooser]')`, 15*time.Second)
	vigilOption := `[...document.querySelectorAll('[data-region=chooser-option-container]')].find(o => o.offsetParent !== null && o.querySelector('.optionname') && o.querySelector('.optionname').textContent.trim() === 'Vigil')`
	// The course page's scripts may still be loading: press "Add an
	// activity or resource" until the chooser opens.
	if !waitTrue(ctx, `(() => { if (`+vigilOption+`) return true; if (!document.querySelector('.modal.show')) { const b = document.querySelectorAll('[data-action=open-chooser]'); (b[1] || b[0]).click(); } return false; })()`, 40*time.Second) {
		t.Fatalf("the activity chooser does not list Vigil:\n%s", text(t, ctx))
	}
	browsertest.Eval[bool](t, ctx, `(`+vigilOption+`.click(), true)`)
	browsertest.Wait(t, ctx, "the chooser shows Vigil's entry", `!document.querySelector('.modal.show .collapsing, .modal.fade:not(.show)')`, 10*time.Second)
	shot(t, ctx, "moodle-activity-chooser.png")
	// Add opens the option's link: open it.
	add := browsertest.Eval[string](t, ctx, vigilOption+`.querySelector('a').href`)
	st.addURL = add
	browsertest.Step(t, ctx, "press Add", chromedp.Navigate(add))
	browsertest.Wait(t, ctx, "the new activity's form", `!!document.getElementById('id_selectcontent')`, 20*time.Second)
	shot(t, ctx, "moodle-add-vigil-form.png")
	t.Logf("the form: %s", browsertest.Eval[string](t, ctx, `location.href`))
}

// waitTrue checks a JavaScript expression until it is true or timeout
// passes, and says which (browsertest.Wait fails the test instead).
func waitTrue(ctx context.Context, expr string, timeout time.Duration) bool {
	return testwait.Holds(timeout, func() bool {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](expr))
		return err == nil && ok
	})
}

// selectContent: Select content opens Vigil's picker in Moodle's dialog.
func selectContent(t *testing.T, st *state) {
	ctx := st.teacher
	browsertest.Step(t, ctx, "name the activity", chromedp.SetValue(chromedp.CSS("#id_name"), "Midterm — proctoring window"))
	browsertest.Step(t, ctx, "press Select content", chromedp.WaitEnabled(chromedp.CSS("#id_selectcontent")), chromedp.Click(chromedp.CSS("#id_selectcontent")))
	frame := frameOf(t, ctx, st.vigil)
	// Vigil's login hands over to the launch (the autopost form), then
	// the page shows: the request form, the picker or a refusal.
	waitTrue(frame, `document.readyState === 'complete' && !document.getElementById('autopost') && document.body.innerText.trim().length > 0`, 20*time.Second)
	shot(t, ctx, "moodle-select-content-first.png")
	got := text(t, frame)
	t.Logf("Vigil's frame shows:\n%s", got)
	// A course not yet enabled shows the request form; an enabled one the
	// picker. A refusal (state_mismatch when the browser blocks Vigil's
	// cookie in Moodle's frame) fails the step.
	if !strings.Contains(got, "Ask for Vigil in this course") && !browsertest.Eval[bool](t, frame, `!!document.getElementById('place-dashboard')`) {
		t.Fatalf("Select content does not show Vigil's picker or the course request")
	}
}

// newBrowser: Chromium as the walk needs it. Vigil runs on another site
// than Moodle (localhost and 127.0.0.1), so its pages in Moodle's frames
// are targets of their own; allowing third-party cookies is Chrome's
// default, where this Debian Chromium blocks them (Moodle's Select
// content always opens Vigil in a frame: docs/MOODLE.md says what happens
// without).
func newBrowser(t *testing.T, st *state) context.Context {
	// Vigil's pages in Moodle's frames are targets of their own even when
	// Vigil shares Moodle's site (another port of 127.0.0.1).
	isolate := chromedp.Flag("isolate-origins", "")
	if strings.HasPrefix(st.vigil, "http://127.0.0.1") {
		isolate = chromedp.Flag("isolate-origins", st.vigil)
	}
	if os.Getenv("MOODLECHECK_BLOCK_THIRD_PARTY_COOKIES") != "" {
		return browsertest.New(t, isolate)
	}
	return browsertest.New(t, isolate, browsertest.AllowThirdPartyCookies(t))
}

// where logs where the browsers are after a failed step, with a
// screenshot of each (FAIL-step-who.png).
func where(t *testing.T, st *state, step string) {
	for who, ctx := range map[string]context.Context{"admin": st.admin, "teacher": st.teacher, "student": st.student} {
		if ctx == nil {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		s, err := chromedp.Run(sctx, chromedp.Evaluate[string](`location.href + '\n' + (document.body ? document.body.innerText.slice(0, 1500) : '')`))
		cancel()
		t.Logf("after %s, the %s's browser: %s %v", step, who, s, err)
		if dir := os.Getenv("MOODLECHECK_SHOTS"); dir != "" {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if buf, err := chromedp.Run(sctx, chromedp.CaptureScreenshot()); err == nil {
				_ = os.WriteFile(filepath.Join(dir, "FAIL-"+step+"-"+who+".png"), buf, 0o644)
			}
			cancel()
		}
	}
}
