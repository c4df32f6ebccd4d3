package web_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"vigil/internal/analysis/voice"
	"vigil/internal/browsertest"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// sharedMedia is the shared test media beside the repository, seen from
// this package's directory.
const sharedMedia = "../../../shared/media"

func mediaPath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(sharedMedia, name))
	if err == nil {
		_, err = os.Stat(p)
	}
	if err != nil {
		t.Fatalf("test media missing: %v (expected the shared media folder beside the repository)", err)
	}
	return p
}

// studentBrowser starts Chromium whose fake camera plays the y4m of a face
// and whose fake microphone plays wav (48 kHz), granting every device
// request. display, when set, is the kind of surface the fake screen share
// offers ("window", "browser") instead of the entire screen.
func studentBrowser(t *testing.T, wav, display string) context.Context {
	t.Helper()
	var fake any = true
	if display != "" {
		fake = "display-media-type=" + display
	}
	return fakeDevices(t, wav, fake, chromedp.Flag("use-fake-ui-for-media-stream", true))
}

// askingBrowser is a studentBrowser that answers camera and microphone
// requests as the test sets them (permission) instead of granting all.
func askingBrowser(t *testing.T, wav string) context.Context {
	t.Helper()
	return fakeDevices(t, wav, true)
}

func fakeDevices(t *testing.T, wav string, fake any, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	return browsertest.New(t, append(extra,
		chromedp.Flag("use-fake-device-for-media-stream", fake),
		chromedp.Flag("use-file-for-fake-video-capture", mediaPath(t, "video/fake_webcam_obama_640x480_5fps.y4m")),
		chromedp.Flag("use-file-for-fake-audio-capture", mediaPath(t, "audio/"+wav)),
	)...)
}

func studentURL(srv *testserver.Server, link string) string { return srv.URL + "/s/" + link }

// stepIs waits until the client shows a step.
func stepIs(t *testing.T, ctx context.Context, step string, timeout time.Duration) {
	t.Helper()
	browsertest.Wait(t, ctx, "the client shows step "+step, fmt.Sprintf(`document.body.dataset.step === %q`, step), timeout)
}

// agree ticks the consent box with the keyboard, as a keyboard or
// screen-reader user would, and waits for the check to be offered.
func agree(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Step(t, ctx, "the consent page is ready", chromedp.WaitEnabled(chromedp.CSS("#consent-agree")))
	if browsertest.Eval[bool](t, ctx, `!document.getElementById('start-check').disabled`) {
		t.Fatal("the system check can start before the student agreed")
	}
	focusWithKeyboard(t, ctx, "consent-agree")
	browsertest.Step(t, ctx, "tick the consent box with Space", chromedp.KeyEvent(" "))
	browsertest.Step(t, ctx, "the check can start", chromedp.WaitEnabled(chromedp.CSS("#start-check")))
}

// checksPass agrees and runs the system check up to Continue, with the
// keyboard, and continues.
func checksPass(t *testing.T, ctx context.Context, screen bool) {
	t.Helper()
	runChecks(t, ctx, screen)
	browsertest.Step(t, ctx, "continue", chromedp.WaitEnabled(chromedp.CSS("#check-continue")), chromedp.Click(chromedp.CSS("#check-continue")))
}

// runChecks agrees and runs the system check until it passes.
func runChecks(t *testing.T, ctx context.Context, screen bool) {
	t.Helper()
	agree(t, ctx)
	pressWithKeyboard(t, ctx, "start-check")
	browsertest.Wait(t, ctx, "camera, microphone and upload checks pass",
		`['browser','camera','microphone','upload'].every((k) => document.getElementById('check-' + k).dataset.ok === 'true')`, 30*time.Second)
	if screen {
		browsertest.Step(t, ctx, "share the screen", chromedp.Click(chromedp.CSS("#share-screen")))
		browsertest.Wait(t, ctx, "the screen check passes", `document.getElementById('check-screen').dataset.ok === 'true'`, 15*time.Second)
	}
	browsertest.Step(t, ctx, "the check passed", chromedp.WaitEnabled(chromedp.CSS("#check-continue")))
}

// pressWithKeyboard moves the focus with Tab to a button and presses
// Enter, as a keyboard or switch user would.
func pressWithKeyboard(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	focusWithKeyboard(t, ctx, id)
	browsertest.Step(t, ctx, "press Enter on "+id, chromedp.KeyEvent("\r"))
}

// focusWithKeyboard moves the focus with Tab to an element.
func focusWithKeyboard(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	for range 30 {
		if browsertest.Eval[string](t, ctx, `document.activeElement ? document.activeElement.id : ''`) == id {
			return
		}
		browsertest.Step(t, ctx, "Tab", chromedp.KeyEvent("\t"))
	}
	t.Fatalf("30 presses of Tab never reached #%s", id)
}

// unlabelled lists the controls of the page that a screen reader could
// not name: buttons without text, fields and videos without a label.
const unlabelled = `[...document.querySelectorAll('button, input, select, textarea, progress, video')].filter((el) => {
	if (el.type === 'hidden') return false;
	const named = (el.getAttribute('aria-label') || '').trim() || (el.labels && [...el.labels].some((l) => l.textContent.trim()));
	return el.tagName === 'BUTTON' ? !el.textContent.trim() && !named : !named;
}).map((el) => el.outerHTML.slice(0, 80))`

// takePhotos presses "Take the photo" until the client leaves the photo
// step, and returns how many photos it took.
func takePhotos(t *testing.T, ctx context.Context) int {
	t.Helper()
	n := 0
	for ; browsertest.Eval[string](t, ctx, `document.body.dataset.step`) == "photos"; n++ {
		if n == 8 {
			t.Fatalf("still on the photo step after 8 photos: %s", browsertest.Eval[string](t, ctx, `document.getElementById('photo-result').textContent`))
		}
		browsertest.Step(t, ctx, "take a photo", chromedp.WaitEnabled(chromedp.CSS("#take-photo")), chromedp.Click(chromedp.CSS("#take-photo")))
		browsertest.Wait(t, ctx, "the photo is checked",
			fmt.Sprintf(`document.body.dataset.step !== 'photos' || (Number(document.getElementById('photo-result').dataset.attempts) > %d && !document.getElementById('take-photo').disabled)`, n), 20*time.Second)
	}
	return n
}

// startExam walks from the session link to recording.
func startExam(t *testing.T, ctx context.Context, url string, screen bool) {
	t.Helper()
	walkToRecording(t, ctx, url, screen, func(string) {})
}

// walkToRecording walks from the session link to recording, calling at
// on each step as it is reached (welcome, check, photos, ready, exam).
func walkToRecording(t *testing.T, ctx context.Context, url string, screen bool, at func(step string)) {
	t.Helper()
	browsertest.Step(t, ctx, "open the session link", chromedp.Navigate(url))
	stepIs(t, ctx, "welcome", 15*time.Second)
	browsertest.Wait(t, ctx, "the consent page says how long the recording is kept", `/deleted \d+ days after/.test(document.getElementById('about-retention').textContent)`, 10*time.Second)
	at("welcome")
	runChecks(t, ctx, screen)
	at("check")
	browsertest.Step(t, ctx, "continue", chromedp.Click(chromedp.CSS("#check-continue")))
	if browsertest.Eval[string](t, ctx, `document.body.dataset.step`) == "photos" {
		at("photos")
	}
	takePhotos(t, ctx)
	stepIs(t, ctx, "ready", 5*time.Second)
	at("ready")
	browsertest.Step(t, ctx, "start the exam", chromedp.Click(chromedp.CSS("#start-exam")))
	recording(t, ctx)
	at("exam")
}

// checkStudentPage: the step shows exactly one visible h1, which has the
// focus (unless the student has acted on the step since, as in the system
// check); the step indicator marks where the student is; and axe-core
// finds nothing serious or critical.
func checkStudentPage(t *testing.T, ctx context.Context, step, indicator string) {
	t.Helper()
	got := browsertest.Eval[map[string]any](t, ctx, `(() => {
		const hs = [...document.querySelectorAll('h1')].filter((h) => h.offsetParent !== null);
		const cur = document.querySelector('#progress [aria-current=step]');
		return {n: hs.length, text: hs.map((h) => h.textContent).join(' | '), focused: document.activeElement === hs[0],
			current: cur ? cur.textContent : ''};
	})()`)
	if got["n"] != float64(1) || (got["focused"] != true && step != "check") || got["current"] != indicator {
		t.Errorf("step %s: %v visible h1 (%q), focused %v, indicator at %q; want one, focused, at %q",
			step, got["n"], got["text"], got["focused"], got["current"], indicator)
	}
	if bad := browsertest.Eval[[]string](t, ctx, unlabelled); len(bad) > 0 {
		t.Errorf("step %s: controls without an accessible name: %q", step, bad)
	}
	browsertest.AxeClean(t, ctx, "the student's "+step+" step")
}

func recording(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Wait(t, ctx, "recording starts", `document.body.dataset.recording === 'true'`, 15*time.Second)
}

// finishExam presses Finish, confirms, and waits for the done step and
// its receipt.
func finishExam(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Step(t, ctx, "finish", chromedp.Click(chromedp.CSS("#finish")))
	browsertest.Wait(t, ctx, "Finish asks to confirm", `document.getElementById('finish-confirm').open`, 5*time.Second)
	browsertest.Step(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#finish-yes")))
	stepIs(t, ctx, "done", 60*time.Second)
	browsertest.Wait(t, ctx, "the receipt is shown", `document.body.dataset.receipt === 'shown'`, 15*time.Second)
}

// pending is how many items the client still has to upload.
func pending(t *testing.T, ctx context.Context) int {
	t.Helper()
	return browsertest.Eval[int](t, ctx, `Number(document.getElementById('upload-progress').dataset.pending || 0)`)
}

// offline cuts the page's network (or restores it), as a dropped Wi-Fi
// would: requests fail and navigator.onLine follows.
func offline(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		cond := &network.Conditions{Offline: on, DownloadThroughput: -1, UploadThroughput: -1}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{cond}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: on, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// permission sets the browser's answer for a device permission
// ("camera", "microphone") on the server's origin.
func permission(t *testing.T, ctx context.Context, origin, name string, setting browser.PermissionSetting) {
	t.Helper()
	c := chromedp.FromContext(ctx)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := cdp.Call(sctx, c.Browser, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: name}, Setting: setting, Origin: origin})
	if err != nil {
		t.Fatalf("set permission %s %s: %v", name, setting, err)
	}
}

// events lists a session's events of one kind.
func eventsOf(t *testing.T, srv *testserver.Server, sessionID int64, kind proctor.EventKind) []proctor.Event {
	t.Helper()
	all, err := srv.Store.ListEvents(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	var out []proctor.Event
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// hasDevice reports whether a device event with this name and state arrived.
func hasDevice(t *testing.T, srv *testserver.Server, sessionID int64, name, state string) bool {
	for _, e := range eventsOf(t, srv, sessionID, proctor.EventDevice) {
		if e.Name == name && e.AppState == state {
			return true
		}
	}
	return false
}

// serverAudio returns each stored audio chunk of a session decoded to
// 8 kHz samples.
func serverAudio(t *testing.T, srv *testserver.Server, sessionID int64) [][]float32 {
	t.Helper()
	ctx := context.Background()
	next, err := srv.Store.NextAudioSeq(ctx, sessionID)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	for seq := range next {
		a, err := srv.Store.GetAudio(ctx, sessionID, seq)
		if err != nil {
			t.Fatal(err)
		}
		o, err := srv.Blobs.Open(ctx, a.BlobKey)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(o)
		o.Close()
		if err != nil || a.Format != "audio/basic" {
			t.Fatalf("audio %d: %v, format %q", seq, err, a.Format)
		}
		out = append(out, voice.DecodeMuLaw(data))
	}
	return out
}

// secondCorrelations places each second of x in the looping reference ref
// and returns, per second, the normalised correlation there: 1 is the same
// waveform (at any level), 0 unrelated sound. The first second is found
// anywhere in ref; each next one near where the previous one ended, so a
// few dropped milliseconds under load shift the alignment without breaking
// it. Seconds where the reference is nearly silent (pauses in the speech)
// are left out: there is no waveform to compare.
func secondCorrelations(x, ref []float32) []float64 {
	const sec, search = 8000, 800 // one second at 8 kHz; ±100 ms
	loop := ref
	for len(loop) < 3*len(ref) {
		loop = append(loop, ref...)
	}
	var out []float64
	next := -1 // expected position of the next second in ref; -1: unknown
	for i := 0; i+sec <= len(x); i += sec {
		w := x[i : i+sec]
		lo, hi := 0, len(ref)
		if next >= 0 {
			lo, hi = next+len(ref)-search, next+len(ref)+search
		}
		best, at := -2.0, 0
		for lag := lo; lag < hi; lag++ {
			if c := ncc(w, loop[lag:lag+sec]); c > best {
				best, at = c, lag
			}
		}
		next = (at + sec) % len(ref)
		if rms(loop[at:at+sec]) > 0.01 {
			out = append(out, best)
		}
	}
	return out
}

func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

func ncc(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func loadWAVFile(t *testing.T, path string) ([]float32, int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x, rate, err := voice.DecodeWAV(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return x, rate
}

// awaitEval evaluates an expression that gives a promise, and its value.
func awaitEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
