//go:build moodlecheck

package moodlecheck

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
)

// The second half of docs/MOODLE.md: the course request approved, the
// deep-link return (with Moodle's cURL security blocking Vigil, then not),
// the teacher's launches, the roster, the quiz password and the student.

// moodleCfg sets one of Moodle's settings with its CLI.
func moodleCfg(t *testing.T, name, value string) {
	t.Helper()
	out, err := exec.Command("php", filepath.Join(env(t, "MOODLE_DIR"), "admin/cli/cfg.php"), "--name="+name, "--set="+value).CombinedOutput()
	if err != nil {
		t.Fatalf("cfg.php %s: %v\n%s", name, err, out)
	}
}

// dialogFrame is what Moodle's content-item dialog shows once its frame
// is back on Moodle's own address (same origin as the page).
const dialogFrame = `(() => { const f = document.querySelector('.modal.show iframe'); try { return f && f.contentDocument && f.contentDocument.body ? f.contentDocument.location.href + '\n' + f.contentDocument.body.innerText : ''; } catch (e) { return 'cross-origin'; } })()`

// request: the teacher asks for Vigil in the course (the form Select
// content showed), and Vigil's administrator approves it (docs/MOODLE.md
// step 4).
func request(t *testing.T, st *state) {
	frame := frameOf(t, st.teacher, st.vigil)
	browsertest.Eval[bool](t, frame, `(document.getElementById('request-course').click(), true)`)
	browsertest.Wait(t, frame, "Vigil says the request was sent", `!document.getElementById('request-course')`, 20*time.Second)
	t.Logf("after the request, Vigil's frame shows:\n%s", text(t, frame))
	shot(t, st.teacher, "moodle-course-requested.png")

	ctx := st.admin
	browsertest.Step(t, ctx, "open Vigil's sign-in page", chromedp.Navigate(st.vigil+"/signin"))
	browsertest.Step(t, ctx, "type the Vigil administrator's e-mail and password", chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SetValue(chromedp.CSS("#email"), "vadmin@example.edu"), chromedp.SetValue(chromedp.CSS("#password"), env(t, "VIGIL_ADMIN_PASSWORD")))
	browsertest.Navigates(t, ctx, "sign in", chromedp.Click(chromedp.CSS("form button[type=submit]")))
	browsertest.Step(t, ctx, "open Administration", chromedp.Navigate(st.vigil+"/admin#requests"))
	browsertest.Wait(t, ctx, "the course request is listed", `!!document.querySelector('#requests button[id^=approve-]')`, 15*time.Second)
	t.Logf("Course requests:\n%s", browsertest.Eval[string](t, ctx, `document.getElementById('requests').innerText`))
	browsertest.Navigates(t, ctx, "press Approve", chromedp.Click(chromedp.CSS("#requests button[id^=approve-]")))
	browsertest.Wait(t, ctx, "the request is approved", `/approved/.test(document.getElementById('requests').innerText) && !document.querySelector('#requests button[id^=approve-]')`, 15*time.Second)
}

// openAddForm opens a new Vigil activity's form in the course again.
func openAddForm(t *testing.T, st *state, name string) {
	t.Helper()
	ctx := st.teacher
	leave(t, ctx)
	browsertest.Step(t, ctx, "open a new Vigil activity's form", chromedp.Navigate(st.addURL))
	// Moodle's scripts are loaded when none is pending (as its Behat
	// tests wait).
	browsertest.Wait(t, ctx, "the form, its scripts loaded", `!!document.getElementById('id_selectcontent') && document.readyState === 'complete' && !!window.M && !!M.util && M.util.pending_js.length === 0`, 30*time.Second)
	browsertest.Step(t, ctx, "name the activity", chromedp.SetValue(chromedp.CSS("#id_name"), name))
	browsertest.Step(t, ctx, "press Select content", chromedp.WaitEnabled(chromedp.CSS("#id_selectcontent")), chromedp.Click(chromedp.CSS("#id_selectcontent")))
}

// leave turns off Moodle's "leave the page? changes you made may not be
// saved" on the current page's forms (as pressing Cancel would), so that
// the walk can open another page.
func leave(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Eval[bool](t, ctx, `(window.__left = false, typeof require === 'function' ? require(['core_form/changechecker'], (c) => { c.disableAllChecks(); window.__left = true; }) : (window.__left = true), true)`)
	waitTrue(ctx, `window.__left === true`, 5*time.Second)
}

// picker waits for Vigil's picker in Moodle's dialog.
func picker(t *testing.T, st *state) context.Context {
	t.Helper()
	frame := frameOf(t, st.teacher, st.vigil)
	browsertest.Wait(t, frame, "Vigil's picker in Moodle's dialog", `!!document.getElementById('place-dashboard')`, 20*time.Second)
	return frame
}

// deepLinkBlocked: with Moodle's cURL security at its defaults, the
// deep-link return cannot be checked by Moodle (docs/MOODLE.md step 1).
func deepLinkBlocked(t *testing.T, st *state) {
	ctx := st.teacher
	openAddForm(t, st, "Midterm — proctoring window")
	frame := picker(t, st)
	shot(t, ctx, "moodle-picker.png")
	t.Logf("the picker:\n%s", text(t, frame))
	browsertest.Step(t, frame, "type a new exam's title", chromedp.SetValue(chromedp.CSS("#new-title"), "Midterm"))
	browsertest.Step(t, frame, "press Create and add", chromedp.Click(chromedp.CSS("#place-new")))
	var got string
	if !waitTrue(ctx, `(() => { const s = `+dialogFrame+`; return s !== '' && s !== 'cross-origin' && !s.startsWith('about:'); })()`, 30*time.Second) {
		t.Fatalf("the dialog did not come back to Moodle: %q", browsertest.Eval[string](t, ctx, dialogFrame))
	}
	waitTrue(ctx, `(() => { const d = document.querySelector('.modal.show iframe').contentDocument; return d.readyState === 'complete' && d.body.innerText.trim().length > 40; })()`, 30*time.Second)
	got = browsertest.Eval[string](t, ctx, dialogFrame)
	t.Logf("Moodle's dialog shows, with cURL blocking Vigil:\n%s", got)
	shot(t, ctx, "moodle-deep-link-blocked.png")
	if strings.TrimSpace(browsertest.Eval[string](t, ctx, `document.getElementById('id_selectcontentindicator').innerText`)) != "" {
		t.Fatal("Moodle accepted the link although its cURL security blocks Vigil")
	}
}

// deepLinkBlockedExplained: after Moodle's error the guide says what to
// look at. Back (history.back() of the tab) is tried first; then the
// dialog is closed and Select content pressed again: Vigil's picker says
// what probably went wrong, since its address is a loopback name and an
// odd port.
func deepLinkBlockedExplained(t *testing.T, st *state) {
	ctx := st.teacher
	browsertest.Eval[bool](t, ctx, `(history.back(), true)`)
	if waitTrue(ctx, `(() => { const s = `+dialogFrame+`; return s === 'cross-origin'; })()`, 10*time.Second) {
		t.Logf("Back took the dialog back to Vigil")
	} else {
		t.Logf("Back did not leave Moodle's error: %s", firstLines(browsertest.Eval[string](t, ctx, dialogFrame), 4))
	}
	openAddForm(t, st, "Midterm — proctoring window")
	frame := picker(t, st)
	if !waitTrue(frame, `!!document.getElementById('return-trouble') && !!document.getElementById('return-hints')`, 5*time.Second) {
		t.Fatalf("the picker does not say what probably goes wrong:\n%s", text(t, frame))
	}
	t.Logf("the picker says:\n%s", browsertest.Eval[string](t, frame, `document.getElementById('return-trouble').innerText`))
	browsertest.Eval[bool](t, frame, `(document.getElementById('return-trouble').scrollIntoView({block: 'center', behavior: 'instant'}), true)`)
	shot(t, ctx, "moodle-picker-explains.png")
}

// deepLink: with Vigil allowed by Moodle's cURL security, the exam and the
// dashboard placed with Select content, each saved as an activity.
func deepLink(t *testing.T, st *state) {
	moodleCfg(t, "curlsecurityblockedhosts", "")
	moodleCfg(t, "curlsecurityallowedport", "443\n80\n8080")
	ctx := st.teacher
	place := func(name, pick string, fill func(frame context.Context)) string {
		openAddForm(t, st, name)
		frame := picker(t, st)
		fill(frame)
		browsertest.Step(t, frame, "press "+pick, chromedp.Click(chromedp.CSS("#"+pick)))
		if !waitTrue(ctx, `!document.querySelector('.modal.show iframe') && document.getElementById('id_selectcontentindicator').innerText.trim() !== ''`, 30*time.Second) {
			t.Fatalf("Moodle did not take the link; its dialog shows:\n%s", browsertest.Eval[string](t, ctx, dialogFrame))
		}
		form := browsertest.Eval[map[string]any](t, ctx, `(() => { const v = (n) => { const e = document.querySelector('#region-main-box form [name="' + n + '"]'); return e ? e.value : null; };
			return {name: v('name'), toolurl: v('toolurl'), custom: v('instructorcustomparameters'), launchcontainer: v('launchcontainer'), indicator: document.getElementById('id_selectcontentindicator').innerText}; })()`)
		t.Logf("the form Moodle filled for %s: %v", pick, form)
		scrollTo(t, ctx, "id_selectcontentindicator")
		shot(t, ctx, "moodle-deep-link-"+pick+".png")
		title, _ := form["name"].(string)
		browsertest.Navigates(t, ctx, "Save and return to course", chromedp.Click(chromedp.CSS("#id_submitbutton2")))
		browsertest.Wait(t, ctx, "the course page", `location.pathname === '/course/view.php'`, 20*time.Second)
		cmid := browsertest.Eval[string](t, ctx, `(() => { const a = [...document.querySelectorAll('a[href*="/mod/lti/view.php?id="]')].find(a => a.innerText.includes(`+jsString(title)+`)); return a ? new URL(a.href).searchParams.get('id') : ''; })()`)
		if cmid == "" {
			t.Fatalf("the course has no activity %q:\n%s", title, text(t, ctx))
		}
		t.Logf("saved %q as activity %s", title, cmid)
		return cmid
	}
	// The blocked return (the step before) left its new exam in Vigil: the
	// picker offers it, and the teacher picks it.
	st.examCM = place("Midterm — proctoring window", "place-exam", func(frame context.Context) {
		t.Logf("the picker now:\n%s", text(t, frame))
		browsertest.Eval[bool](t, frame, `(() => { const r = document.querySelector('input[type=radio][name=exam]'); if (r) r.checked = true; return true; })()`)
	})
	st.dashCM = place("Vigil course dashboard", "place-dashboard", func(context.Context) {})
	shot(t, ctx, "moodle-course-with-vigil.png")
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// launchNewWindow opens a Vigil activity as Moodle does with the launch
// container "New window" (view.php opens launch.php in a window of its
// own) and returns the new window, once it is on Vigil.
func launchNewWindow(t *testing.T, ctx context.Context, st *state, cmid string) context.Context {
	t.Helper()
	before := map[string]bool{}
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range targets {
		before[string(ti.TargetID)] = true
	}
	browsertest.Step(t, ctx, "open the activity", chromedp.Navigate(st.moodle+"/mod/lti/view.php?id="+cmid))
	c := attach(t, ctx, "a new window on Vigil", 30*time.Second, func(ti *target.Info) bool {
		return ti.Type == "page" && !before[string(ti.TargetID)] && strings.HasPrefix(ti.URL, st.vigil)
	})
	waitTrue(c, `document.readyState === 'complete' && !document.getElementById('autopost')`, 20*time.Second)
	return c
}

var examPath = regexp.MustCompile(`/exams/(\d+)/`)

// teacherLaunches: the dashboard activity opens the course dashboard, the
// exam activity the exam (docs/MOODLE.md step 5), each in a new window.
func teacherLaunches(t *testing.T, st *state) {
	ctx := st.teacher
	dash := launchNewWindow(t, ctx, st, st.dashCM)
	browsertest.Wait(t, dash, "Vigil's course dashboard", `location.pathname.startsWith('/courses/') && document.body.innerText.includes('Vigil 101')`, 20*time.Second)
	t.Logf("the dashboard activity opened %s:\n%s", browsertest.Eval[string](t, dash, `location.href`), firstLines(text(t, dash), 15))
	viewport(t, dash, 900)
	shot(t, dash, "moodle-teacher-dashboard.png")
	exam := launchNewWindow(t, ctx, st, st.examCM)
	browsertest.Wait(t, exam, "Vigil's exam page", `/\/exams\/\d+\//.test(location.pathname)`, 20*time.Second)
	href := browsertest.Eval[string](t, exam, `location.href`)
	t.Logf("the exam activity opened %s:\n%s", href, firstLines(text(t, exam), 15))
	st.examID = examPath.FindStringSubmatch(href)[1]
	st.teacherVigil = exam
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// roster: the Student List shows the Moodle course's student, read with
// NRPS.
func roster(t *testing.T, st *state) {
	ctx := st.teacherVigil
	ok := false
	for try := 0; try < 10 && !ok; try++ {
		browsertest.Step(t, ctx, "open the Student List", chromedp.Navigate(st.vigil+"/exams/"+st.examID+"/sessions"))
		ok = waitTrue(ctx, `document.body.innerText.includes('Sam Student')`, 3*time.Second)
	}
	t.Logf("the Student List:\n%s", firstLines(text(t, ctx), 40))
	if !ok {
		t.Fatal("the Student List does not show Sam Student (the Moodle course's student)")
	}
}

// quizPassword: the teacher makes the exam's quiz password in Vigil and
// pastes it into the Moodle quiz's Require password (docs/MOODLE.md step 7).
func quizPassword(t *testing.T, st *state) {
	v := st.teacherVigil
	browsertest.Step(t, v, "open the exam's settings", chromedp.Navigate(st.vigil+"/exams/"+st.examID+"/settings"))
	browsertest.Navigates(t, v, "press Make a quiz password", chromedp.WaitVisible(chromedp.CSS("#make-quiz-password")), chromedp.Click(chromedp.CSS("#make-quiz-password")))
	browsertest.Wait(t, v, "the password shows", `!!document.getElementById('quiz-password-value')`, 15*time.Second)
	st.password = browsertest.Eval[string](t, v, `document.getElementById('quiz-password-value').textContent.trim()`)
	t.Logf("Vigil's quiz password: %s", st.password)

	ctx := st.teacher
	browsertest.Step(t, ctx, "open the quiz's settings", chromedp.Navigate(st.moodle+"/course/modedit.php?update="+env(t, "MOODLE_QUIZ_CMID")+"&return=1"))
	browsertest.Wait(t, ctx, "the form", `!!document.getElementById('id_quizpassword') && document.readyState === 'complete'`, 30*time.Second)
	// Extra restrictions on attempts is folded: Expand all, as settings does.
	browsertest.Eval[bool](t, ctx, `(document.querySelectorAll('a.collapseexpand').forEach(a => { if (a.getAttribute('aria-expanded') === 'false') a.click(); }), true)`)
	browsertest.Wait(t, ctx, "Require password shows", `(() => { const e = document.querySelector('#fitem_id_quizpassword [data-passwordunmask=edit]'); return !!e && e.offsetParent !== null; })()`, 10*time.Second)
	// Moodle's password box: press its pencil, type, Enter.
	// (pressed until the page's scripts, which may still be loading, open
	// the box)
	if waitTrue(ctx, `(() => { const i = document.getElementById('id_quizpassword'); if (i.offsetParent !== null) return true; document.querySelector('#fitem_id_quizpassword [data-passwordunmask=edit]').click(); return false; })()`, 15*time.Second) {
		browsertest.Step(t, ctx, "Require password: type Vigil's quiz password", chromedp.SendKeys(chromedp.CSS("#id_quizpassword"), st.password+"\r"))
	} else {
		t.Logf("the pencil did not open the password box (%s); setting the field's value", browsertest.Eval[string](t, ctx, `document.getElementById('fitem_id_quizpassword').outerHTML.slice(0, 1500)`))
		browsertest.Eval[bool](t, ctx, `(document.getElementById('id_quizpassword').value = `+jsString(st.password)+`, true)`)
	}
	// The eye shows the password (for the screenshot).
	browsertest.Eval[bool](t, ctx, `(() => { const e = document.querySelector('#fitem_id_quizpassword [data-passwordunmask=unmask]'); if (e) e.click(); return true; })()`)
	scrollTo(t, ctx, "fitem_id_quizpassword")
	shot(t, ctx, "moodle-quiz-require-password.png")
	browsertest.Navigates(t, ctx, "Save and return to course", chromedp.Click(chromedp.CSS("#id_submitbutton2")))
	browsertest.Wait(t, ctx, "the course page", `location.pathname === '/course/view.php'`, 20*time.Second)
}

// studentBrowser: Chromium with a fake camera (a face), microphone and
// screen, granting every device request, as internal/web's tests.
func studentBrowser(t *testing.T) context.Context {
	t.Helper()
	media := func(name string) string {
		p, err := filepath.Abs(filepath.Join("../../../shared/media", name))
		if err == nil {
			_, err = os.Stat(p)
		}
		if err != nil {
			t.Fatalf("test media missing: %v", err)
		}
		return p
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", media("video/fake_webcam_obama_640x480_5fps.y4m")),
		chromedp.Flag("use-file-for-fake-audio-capture", media("audio/keyboard_typing_10s_48k.wav")),
	}
	if os.Getenv("MOODLECHECK_BLOCK_THIRD_PARTY_COOKIES") == "" {
		opts = append(opts, browsertest.AllowThirdPartyCookies(t))
	}
	return browsertest.New(t, opts...)
}

// studentDirect: the student opens the quiz in Moodle without Vigil: the
// quiz asks for the password, and a wrong one is refused.
func studentDirect(t *testing.T, st *state) {
	ctx := studentBrowser(st.parent)
	st.student = ctx
	viewport(t, ctx, 900)
	login(t, ctx, st.moodle, "student", env(t, "MOODLE_USER_PASSWORD"))
	browsertest.Step(t, ctx, "open the quiz", chromedp.Navigate(st.moodle+"/mod/quiz/view.php?id="+env(t, "MOODLE_QUIZ_CMID")))
	browsertest.Wait(t, ctx, "the quiz page", `!!document.querySelector('.quizstartbuttondiv button, .quizstartbuttondiv input[type=submit]')`, 20*time.Second)
	t.Logf("the quiz page:\n%s", firstLines(browsertest.Eval[string](t, ctx, mainText), 20))
	browsertest.Step(t, ctx, "press Attempt quiz", chromedp.Click(chromedp.CSS(".quizstartbuttondiv button, .quizstartbuttondiv input[type=submit]")))
	browsertest.Wait(t, ctx, "the quiz asks for the password", quizAsks, 20*time.Second)
	shot(t, ctx, "moodle-student-quiz-asks-password.png")
	t.Logf("the quiz asks:\n%s", browsertest.Eval[string](t, ctx, mainText))
	typePassword(t, ctx, "not-the-password")
	browsertest.Wait(t, ctx, "the wrong password is refused", `/password.*incorrect|incorrect.*password/i.test(document.body.innerText)`, 20*time.Second)
	if browsertest.Eval[bool](t, ctx, `location.pathname.startsWith('/mod/quiz/attempt.php')`) {
		t.Fatal("the quiz started with a wrong password")
	}
	t.Logf("Moodle says: %s", firstLines(browsertest.Eval[string](t, ctx, mainText), 8))
}

// mainText is the text of Moodle's open dialog, or of its page's main part.
const mainText = `([...document.querySelectorAll('.moodle-dialogue-base, .modal.show')].find((d) => d.getClientRects().length > 0) || document.querySelector('[role=main]') || document.body).innerText`

// quizAsks: the quiz's start dialog (a YUI dialogue in Moodle 5.1; or the
// start page) with its password box, Moodle's masked box with a pencil.
const quizAsks = `(() => { const shown = (e) => !!e && e.getClientRects().length > 0; const d = [...document.querySelectorAll('.moodle-dialogue-base, .modal.show')].find((d) => shown(d) && d.querySelector('input[name=quizpassword]'));
	const e = d ? d.querySelector('input[name=quizpassword]') : (location.pathname.endsWith('/startattempt.php') && document.querySelector('input[name=quizpassword]')); if (!e) return false; return shown(e.closest('[data-passwordunmask=wrapper]') || e); })()`

// typePassword types into the quiz's password box (the start dialog or
// the start page) and presses Start attempt.
func typePassword(t *testing.T, ctx context.Context, pw string) {
	t.Helper()
	if !waitTrue(ctx, quizAsks, 5*time.Second) {
		browsertest.Step(t, ctx, "press Attempt quiz", chromedp.Click(chromedp.CSS(".quizstartbuttondiv button, .quizstartbuttondiv input[type=submit]")))
	}
	// Moodle's password box: the pencil opens it (pressed until the
	// page's scripts answer).
	if !waitTrue(ctx, `(() => { const i = [...document.querySelectorAll('input[name=quizpassword]')].find((i) => i.closest('[data-passwordunmask=wrapper]').getClientRects().length > 0); if (!i) return false; if (i.getClientRects().length > 0) return true; const p = i.closest('[data-passwordunmask=wrapper]').querySelector('[data-passwordunmask=edit]'); if (p) p.click(); return false; })()`, 15*time.Second) {
		t.Fatal("the quiz's password box does not open")
	}
	browsertest.Eval[bool](t, ctx, `(() => { const i = [...document.querySelectorAll('input[name=quizpassword]')].find((i) => i.getClientRects().length > 0); i.value = ''; i.focus(); return true; })()`)
	browsertest.Step(t, ctx, "type the password", chromedp.KeyEvent(pw))
	browsertest.Eval[bool](t, ctx, `(() => { const b = [...document.querySelectorAll('button, input[type=submit]')].find(b => b.getClientRects().length > 0 && /start attempt/i.test(b.innerText || b.value)); b.click(); return true; })()`)
}

// studentVigil: the student opens Vigil's exam activity (a new window),
// passes the check, records, reads the quiz password and starts the quiz
// with it (docs/MOODLE.md step 7).
func studentVigil(t *testing.T, st *state) {
	ctx := st.student
	w := launchNewWindow(t, ctx, st, st.examCM)
	st.studentVigil = w
	viewport(t, w, 900)
	browsertest.Wait(t, w, "the proctoring window", `location.pathname.startsWith('/s/') && !!document.body.dataset.step`, 30*time.Second)
	t.Logf("the exam activity opened the proctoring window in a new window: %s (step %s)", browsertest.Eval[string](t, w, `location.href`), browsertest.Eval[string](t, w, `document.body.dataset.step`))
	browsertest.Step(t, w, "agree", chromedp.WaitVisible(chromedp.CSS("#consent-agree")), chromedp.Click(chromedp.CSS("#consent-agree")))
	browsertest.Step(t, w, "start the check", chromedp.WaitEnabled(chromedp.CSS("#start-check")), chromedp.Click(chromedp.CSS("#start-check")))
	browsertest.Wait(t, w, "camera, microphone and upload checks pass",
		`['browser','camera','microphone','upload'].every((k) => document.getElementById('check-' + k).dataset.ok === 'true')`, 40*time.Second)
	if browsertest.Eval[bool](t, w, `(() => { const b = document.getElementById('share-screen'); return !!b && b.offsetParent !== null; })()`) {
		browsertest.Step(t, w, "share the screen", chromedp.Click(chromedp.CSS("#share-screen")))
		browsertest.Wait(t, w, "the screen check passes", `document.getElementById('check-screen').dataset.ok === 'true'`, 20*time.Second)
	}
	browsertest.Step(t, w, "continue", chromedp.WaitEnabled(chromedp.CSS("#check-continue")), chromedp.Click(chromedp.CSS("#check-continue")))
	for n := 0; browsertest.Eval[string](t, w, `document.body.dataset.step`) == "photos"; n++ {
		if n == 8 {
			t.Fatalf("still on the photo step after 8 photos")
		}
		browsertest.Step(t, w, "take a photo", chromedp.WaitEnabled(chromedp.CSS("#take-photo")), chromedp.Click(chromedp.CSS("#take-photo")))
		browsertest.Wait(t, w, "the photo is checked",
			fmt.Sprintf(`document.body.dataset.step !== 'photos' || (Number(document.getElementById('photo-result').dataset.attempts) > %d && !document.getElementById('take-photo').disabled)`, n), 30*time.Second)
	}
	browsertest.Wait(t, w, "ready", `document.body.dataset.step === 'ready'`, 15*time.Second)
	browsertest.Step(t, w, "start the exam", chromedp.Click(chromedp.CSS("#start-exam")))
	browsertest.Wait(t, w, "recording starts", `document.body.dataset.recording === 'true'`, 20*time.Second)
	browsertest.Wait(t, w, "Vigil shows the quiz password", `!document.getElementById('quiz-password-box').hidden && document.getElementById('quiz-password').textContent.trim() !== ''`, 60*time.Second)
	shown := browsertest.Eval[string](t, w, `document.getElementById('quiz-password').textContent.trim()`)
	browsertest.Eval[bool](t, w, `(document.getElementById('quiz-password-box').scrollIntoView({block: 'center', behavior: 'instant'}), true)`)
	shot(t, w, "moodle-student-proctoring-password.png")
	if shown != st.password {
		t.Fatalf("the proctoring window shows %q, the exam's password is %q", shown, st.password)
	}
	// Back in Moodle's tab: the quiz, with the password.
	browsertest.Step(t, ctx, "open the quiz", chromedp.Navigate(st.moodle+"/mod/quiz/view.php?id="+env(t, "MOODLE_QUIZ_CMID")))
	browsertest.Wait(t, ctx, "the quiz page", `!!document.querySelector('.quizstartbuttondiv button, .quizstartbuttondiv input[type=submit]')`, 20*time.Second)
	typePassword(t, ctx, shown)
	browsertest.Wait(t, ctx, "the attempt starts", `location.pathname.startsWith('/mod/quiz/attempt.php')`, 20*time.Second)
	shot(t, ctx, "moodle-student-quiz-attempt.png")
	t.Logf("the attempt: %s", firstLines(browsertest.Eval[string](t, ctx, mainText), 10))
}
