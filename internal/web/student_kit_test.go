package web_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"vigil/internal/analysis/voice"
	"vigil/internal/blob"
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
		o, err := blob.OpenPart(ctx, srv.Blobs, a.BlobKey, a.Offset, a.Size)
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

// windowCorrelations places each half-second window of x in the looping
// reference ref and returns, per window, the normalised correlation there:
// 1 is the same waveform (at any level), 0 unrelated sound. The first
// window is looked for anywhere in ref; each next one near where the
// previous one ended (±100 ms), so a few dropped milliseconds under load
// shift the alignment without breaking it. Where a window matches poorly
// there (a longer drop: a starved audio thread loses whole blocks), it is
// looked for anywhere in ref again, as the first was, so one drop costs the
// window it falls in and not every window after it. Windows where the
// reference is nearly silent (pauses in the speech) are left out: there is
// no waveform to compare.
func windowCorrelations(x, ref []float32) []float64 {
	const win, search, resync = 4000, 800, 0.5 // half a second at 8 kHz; ±100 ms
	a := newAligner(ref, win)
	var out []float64
	next := -1 // expected position of the next window in ref; -1: unknown
	for i := 0; i+win <= len(x); i += win {
		w := x[i : i+win]
		best, at := -2.0, 0
		if next >= 0 {
			best, at = a.near(w, next+len(ref)-search, next+len(ref)+search)
		}
		if best < resync {
			best, at = a.anywhere(w)
		}
		next = (at + win) % len(ref)
		if rms(a.loop[at:at+win]) > 0.01 {
			out = append(out, best)
		}
	}
	return out
}

// aligner finds where a window of sound lies in a looping reference.
type aligner struct {
	ref, loop []float32
	// spec is the spectrum of the reference's first len(ref)+win samples
	// (zero-padded to a power of two), energy the running sum of their
	// squares: with them anywhere costs two FFTs instead of a correlation
	// at every lag.
	spec   []complex128
	energy []float64
}

func newAligner(ref []float32, win int) *aligner {
	a := &aligner{ref: ref, loop: ref}
	for len(a.loop) < 3*len(ref) {
		a.loop = append(a.loop, ref...)
	}
	n := 1
	for n < len(ref)+win {
		n *= 2
	}
	a.spec = make([]complex128, n)
	a.energy = make([]float64, len(ref)+win+1)
	for i, v := range a.loop[:len(ref)+win] {
		a.spec[i] = complex(float64(v), 0)
		a.energy[i+1] = a.energy[i] + float64(v)*float64(v)
	}
	fft(a.spec, false)
	return a
}

// near finds where w correlates best in the loop at lags lo to hi.
func (a *aligner) near(w []float32, lo, hi int) (float64, int) {
	best, at := -2.0, lo
	for lag := lo; lag < hi; lag++ {
		if c := ncc(w, a.loop[lag:lag+len(w)]); c > best {
			best, at = c, lag
		}
	}
	return best, at
}

// anywhere finds where w correlates best in one turn of the reference:
// what near would find over every lag, by FFT.
func (a *aligner) anywhere(w []float32) (float64, int) {
	x := make([]complex128, len(a.spec))
	var ww float64
	for i, v := range w {
		x[i] = complex(float64(v), 0)
		ww += float64(v) * float64(v)
	}
	fft(x, false)
	for i := range x {
		x[i] = cmplx.Conj(x[i]) * a.spec[i]
	}
	fft(x, true)
	best, at := -2.0, 0
	for lag := range len(a.ref) {
		rr := a.energy[lag+len(w)] - a.energy[lag]
		if ww == 0 || rr <= 0 {
			continue
		}
		if c := real(x[lag]) / float64(len(x)) / math.Sqrt(ww*rr); c > best {
			best, at = c, lag
		}
	}
	return best, at
}

// fft transforms x in place (its length a power of two); inverse leaves
// out the 1/n.
func fft(x []complex128, inverse bool) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Rect(1, sign*2*math.Pi/float64(size))
		for start := 0; start < n; start += size {
			tw := complex(1, 0)
			for k := range size / 2 {
				u, v := x[start+k], x[start+k+size/2]*tw
				x[start+k], x[start+k+size/2] = u+v, u-v
				tw *= step
			}
		}
	}
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

// framesInSequence returns a session's stored frames, failing the test
// unless they are numbered 0, 1, 2, … with no gap and no repeat.
func framesInSequence(t *testing.T, srv *testserver.Server, sessionID int64) []proctor.Frame {
	t.Helper()
	frames, err := srv.Store.ListFrames(context.Background(), sessionID, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for i, fr := range frames {
		if fr.Seq != int64(i) {
			t.Fatalf("frame %d has sequence %d: a gap or a repeat", i, fr.Seq)
		}
	}
	return frames
}
