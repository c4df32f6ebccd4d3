package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"vigil/internal/browsertest"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// overlapped is a session whose incidents overlap as real ones do: two
// Online Aid spans one inside the other, beside a Left Session and a
// Facial Suspicion that was not applied; three Background Audio spans
// within 6 s and a long one; three key presses 0.3 s apart; and 10 s in
// the middle where the camera sent nothing.
type overlapped struct {
	sess *proctor.Session
	vs   []proctor.Violation // in time order, with their ids
}

// seconds is a span of the overlapped session, in seconds from its start.
type seconds struct {
	typ      proctor.ViolationType
	from, to float64
	applied  bool
}

var overlaps = []seconds{
	{proctor.OnlineAid, 10, 25, true}, {proctor.OnlineAid, 12, 14, true},
	{proctor.LeftSession, 15, 22, true}, {proctor.FacialSuspicion, 16, 21, false},
	{proctor.Keystrokes, 30, 30, true}, {proctor.Keystrokes, 30.3, 30.3, true}, {proctor.Keystrokes, 30.6, 30.6, true},
	{proctor.BackgroundAudio, 40, 41.2, true}, {proctor.BackgroundAudio, 40.5, 42, true}, {proctor.BackgroundAudio, 44, 46.5, true},
	{proctor.BackgroundAudio, 70, 75, true}, {proctor.MultiplePeople, 80, 84, true}, {proctor.BackgroundMotion, 85, 90, false},
	{proctor.BlacklistedApps, 95, 110, true},
}

// overlapSession plays 120 s of webcam frames through the real capture
// API (none from 50 to 60 s), waits for the analysis, and replaces what
// the rules found with the overlapping incidents above, each with the
// frames inside it as evidence. The automated verdict is Fail.
func overlapSession(t *testing.T, srv *testserver.Server, f *testserver.Fixture) overlapped {
	t.Helper()
	ctx := context.Background()
	sc := &scenario.Scenario{Name: "overlaps", Duration: 120, FPS: 1,
		Video: []scenario.VideoSpan{{From: 0, To: 50, Frames: "webcam320/biden_headshoulders.jpg"},
			{From: 60, To: 120, Frames: "webcam320/biden_headshoulders.jpg"}}}
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	res, err := c.Play(ctx, srv.Link(t, f, 0), sc, time.Now().UTC().Add(-5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sess := srv.WaitAnalysed(t, res.Session.ID)
	frames, err := srv.Store.ListFrames(ctx, sess.ID, 0, 1000)
	must(t, err)
	origin := sess.Origin()
	var vs []proctor.Violation
	for _, o := range overlaps {
		v := proctor.Violation{SessionID: sess.ID, Type: o.typ, Applied: o.applied, Confidence: 0.9, Rule: string(o.typ),
			Start: origin.Add(time.Duration(o.from * float64(time.Second))), End: origin.Add(time.Duration(o.to * float64(time.Second))),
			Reason: "seeded for the browser test"}
		if !o.applied {
			v.Reason = "shorter than the exam's minimum"
		}
		for _, fr := range frames {
			switch {
			case fr.CapturedAt.Before(v.Start):
				v.BeforeSeq = &fr.Seq
			case !fr.CapturedAt.After(v.End.Add(time.Second)) && len(v.FrameSeqs) < 3:
				v.FrameSeqs = append(v.FrameSeqs, fr.Seq)
			}
		}
		vs = append(vs, v)
	}
	must(t, srv.Store.ReplaceViolations(ctx, sess.ID, vs))
	must(t, srv.Store.SetVerdict(ctx, sess.ID, proctor.VerdictFail, proctor.VerdictFail, sess.AnalyzedAt))
	stored, err := srv.Store.ListViolations(ctx, sess.ID)
	must(t, err)
	if len(stored) != len(overlaps) {
		t.Fatalf("%d violations stored, want %d", len(stored), len(overlaps))
	}
	slices.SortStableFunc(stored, func(a, b proctor.Violation) int { return a.Start.Compare(b.Start) })
	got, err := srv.Store.GetSession(ctx, sess.ID)
	must(t, err)
	return overlapped{sess: got, vs: stored}
}

// startMS is a violation's start on the player's clock.
func (o overlapped) startMS(v proctor.Violation) int64 {
	return v.Start.Sub(o.sess.Origin()).Milliseconds()
}

// ofType returns the session's violations of one type.
func (o overlapped) ofType(typ proctor.ViolationType) []proctor.Violation {
	var out []proctor.Violation
	for _, v := range o.vs {
		if v.Type == typ {
			out = append(out, v)
		}
	}
	return out
}

// viewport sets the page's size in CSS pixels.
func viewport(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	browsertest.Step(t, ctx, fmt.Sprintf("a %d×%d viewport", w, h), chromedp.EmulateViewport(w, h))
}

// openSession signs in and opens the session page on a tab, and waits for
// the player's timeline when the tab is Video Monitoring.
func openSession(t *testing.T, srv *testserver.Server, ctx context.Context, f *testserver.Fixture, sess *proctor.Session, tab string) {
	t.Helper()
	signInInBrowser(t, srv, ctx, &f.Instructor)
	browsertest.Navigates(t, ctx, "open the session", chromedp.Navigate(fmt.Sprintf("%s/sessions/%d?tab=%s", srv.URL, sess.ID, tab)))
	if tab == "video" {
		browsertest.Wait(t, ctx, "the player loads its timeline", `document.getElementById('player').dataset.zoom === '1'`, 20*time.Second)
	}
}

// screenshot takes a PNG of the viewport (full: of the whole page) and
// checks its size; with VIGIL_SCREENSHOTS set (scripts/screenshots) it
// writes it there as name.png.
func screenshot(t *testing.T, ctx context.Context, name string, w int, full bool) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	data, err := chromedp.Run(sctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() != w {
		t.Fatalf("screenshot %s: %v, %v wide, want %d", name, err, img.Bounds(), w)
	}
	if dir := os.Getenv("VIGIL_SCREENSHOTS"); dir != "" {
		must(t, os.MkdirAll(dir, 0o755))
		must(t, os.WriteFile(filepath.Join(dir, name+".png"), data, 0o644))
	}
}

// decideSome excuses the first Background Audio and confirms the Left
// Session through the review service, as a reviewer would, so that the
// page has decisions to show.
func decideSome(t *testing.T, srv *testserver.Server, f *testserver.Fixture, o overlapped) {
	t.Helper()
	a := review.Actor{User: &f.Instructor}
	ctx := context.Background()
	_, err := srv.Review.Decide(ctx, a, o.ofType(proctor.BackgroundAudio)[0].ID, proctor.DecisionExcused, "a door slammed")
	must(t, err)
	_, err = srv.Review.Decide(ctx, a, o.ofType(proctor.LeftSession)[0].ID, proctor.DecisionConfirmed, "walked away from the desk")
	must(t, err)
}

// openDecidedSession opens, at 1366×768 on its video tab, a session whose
// incidents overlap, with some of them decided.
func openDecidedSession(t *testing.T) (overlapped, context.Context) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	o := overlapSession(t, srv, f)
	decideSome(t, srv, f, o)
	ctx := browsertest.New(t)
	viewport(t, ctx, 1366, 768)
	openSession(t, srv, ctx, f, o.sess, "video")
	return o, ctx
}

// TestSessionPageScreenshots takes the session page at 1366×768 and at
// 390 px wide, on Video Monitoring and on Online Violations. Run
// scripts/screenshots to write them into docs/screenshots.
func TestSessionPageScreenshots(t *testing.T) {
	o, ctx := openDecidedSession(t)
	browsertest.Step(t, ctx, "select the Left Session", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.timeline .span[data-id="%d"]`, o.ofType(proctor.LeftSession)[0].ID))))
	browsertest.Eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
	screenshot(t, ctx, "session-video-1366", 1366, false)
	browsertest.Step(t, ctx, "open Online Violations", chromedp.Click(chromedp.CSS("#tab-violations")))
	browsertest.Eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
	screenshot(t, ctx, "session-violations-1366", 1366, false)

	viewport(t, ctx, 390, 844)
	browsertest.Step(t, ctx, "back to Video Monitoring", chromedp.Click(chromedp.CSS("#tab-video")))
	browsertest.Eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
	screenshot(t, ctx, "session-video-390", 390, true)
	browsertest.Step(t, ctx, "open Online Violations", chromedp.Click(chromedp.CSS("#tab-violations")))
	screenshot(t, ctx, "session-violations-390", 390, false)
}

// spanTargets checks the visualizer's spans where they are drawn now:
// each is a target of at least 24×24 px, no two overlap, and the middle
// of each, once scrolled into view, is the span itself (nothing covers
// it). It returns how many spans it checked.
func spanTargets(t *testing.T, ctx context.Context) int {
	t.Helper()
	problems := browsertest.Eval[[]string](t, ctx, `(() => {
	  const spans = [...document.querySelectorAll('.timeline .span')], out = [];
	  const rects = spans.map((s) => s.getBoundingClientRect());
	  rects.forEach((r, i) => {
	    if (r.width < 24 || r.height < 24) out.push(spans[i].getAttribute('aria-label') + ': ' + r.width + '×' + r.height);
	    rects.forEach((q, j) => {
	      if (j > i && r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom)
	        out.push(spans[i].getAttribute('aria-label') + ' overlaps ' + spans[j].getAttribute('aria-label'));
	    });
	  });
	  for (const s of spans) {
	    s.scrollIntoView({ block: 'center', inline: 'center' });
	    const r = s.getBoundingClientRect();
	    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
	    if (!hit || hit.closest('.span') !== s) out.push(s.getAttribute('aria-label') + ' is covered by ' + (hit ? hit.className : 'nothing'));
	  }
	  return out; })()`)
	for _, p := range problems {
		t.Errorf("span target: %s", p)
	}
	return browsertest.Eval[int](t, ctx, `document.querySelectorAll('.timeline .span').length`)
}

// clickEverySpan clicks each violation's span: the player moves to its
// start and shows its article (evidence and decision) beside the player.
func clickEverySpan(t *testing.T, ctx context.Context, o overlapped) {
	t.Helper()
	for _, v := range o.vs {
		sel := fmt.Sprintf(`.timeline .span[data-id="%d"]`, v.ID)
		// As a reviewer would: scroll the lanes to the span (it may be
		// under the axis row, which stays at the top), then click it.
		hit := browsertest.Eval[bool](t, ctx, `(() => { const s = document.querySelector('`+sel+`');
		  s.scrollIntoView({ block: 'center', inline: 'center' });
		  const r = s.getBoundingClientRect();
		  return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2).closest('.span') === s; })()`)
		if !hit {
			t.Errorf("the %s span at %d ms is covered", v.Type, o.startMS(v))
		}
		browsertest.Step(t, ctx, "click the span of "+string(v.Type), chromedp.Click(chromedp.CSS(sel)))
		if got := playerTime(t, ctx); got != o.startMS(v) {
			t.Errorf("after clicking %s at %d ms the player is at %d ms", v.Type, o.startMS(v), got)
		}
		shown := browsertest.Eval[bool](t, ctx, fmt.Sprintf(`(() => { const a = document.getElementById('violation-%d');
		  return document.getElementById('player').dataset.current === '%d' && a.classList.contains('current') && a.offsetParent !== null; })()`, v.ID, v.ID))
		if !shown {
			t.Errorf("after clicking %s its evidence and decision are not shown beside the player", v.Type)
		}
	}
}

// TestTimelineInABrowser drives the violations visualizer of a session
// whose incidents overlap, in headless Chromium at 1366×768 and at 390 px:
// a lane per type named in words with its own colour and pattern, a time
// axis, the recording gap hatched, decisions shown on the spans; every
// span a 24 px target that a click reaches; previous/next incident from
// the keyboard and the buttons; zoom; playback at 4×; the video, the
// timeline and the current incident's evidence and decision on one
// screen; tabs that switch without a reload and keep their URL; and a
// jump from Online Violations to the moment in the video.
func TestTimelineInABrowser(t *testing.T) {
	o, ctx := openDecidedSession(t)
	browsertest.Eval[bool](t, ctx, `(window.vigilSamePage = true)`) // gone if the page reloads

	checkLanes(t, ctx, o)
	if n := spanTargets(t, ctx); n != len(o.vs) {
		t.Fatalf("%d spans on the timeline, want %d", n, len(o.vs))
	}
	checkSpanStates(t, ctx, o)
	clickEverySpan(t, ctx, o)
	checkOneScreen(t, ctx, o)
	checkIncidentKeys(t, ctx, o)
	checkZoom(t, ctx)
	checkSpeed(t, ctx)
	checkTabs(t, ctx, o)

	viewport(t, ctx, 390, 844)
	browsertest.Step(t, ctx, "open Video Monitoring", chromedp.Click(chromedp.CSS("#tab-video")))
	browsertest.Wait(t, ctx, "the timeline lays out for 390 px", `document.querySelector('.tl-scroll').clientWidth < 390`, 10*time.Second)
	spanTargets(t, ctx)
	clickEverySpan(t, ctx, o)
	if !browsertest.Eval[bool](t, ctx, `document.documentElement.scrollWidth <= 390`) {
		t.Errorf("at 390 px the page is %d px wide", browsertest.Eval[int](t, ctx, `document.documentElement.scrollWidth`))
	}
	if !browsertest.Eval[bool](t, ctx, `window.vigilSamePage === true`) {
		t.Fatal("the page reloaded")
	}
}

// checkLanes: one lane per type present, in the dashboard's order, named
// in words; no two lanes share a colour or a pattern; the axis is in exam
// time; the legend says in words what each way of drawing means.
func checkLanes(t *testing.T, ctx context.Context, o overlapped) {
	t.Helper()
	var want []string
	for _, typ := range proctor.ViolationTypes {
		if len(o.ofType(typ)) > 0 {
			want = append(want, string(typ)+": "+typ.Label())
		}
	}
	got := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('.tl-row[data-type]')].map((r) => r.dataset.type + ': ' + r.querySelector('.name').textContent)`)
	if !slices.Equal(got, want) {
		t.Errorf("lanes %q, want %q", got, want)
	}
	styles := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('.tl-row[data-type] .swatch')].map((s) => { const c = getComputedStyle(s); return c.backgroundColor + '|' + c.backgroundImage; })`)
	colours, patterns := map[string]bool{}, map[string]bool{}
	for _, s := range styles {
		c, p, _ := strings.Cut(s, "|")
		colours[c], patterns[p] = true, true
	}
	if len(colours) != len(want) || len(patterns) != len(want) {
		t.Errorf("%d lanes drawn in %d colours and %d patterns, want each its own: %q", len(want), len(colours), len(patterns), styles)
	}
	ticks := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('.tl-axis .tick')].map((x) => x.textContent)`)
	if len(ticks) < 4 || ticks[0] != "0:00" || !slices.Contains(ticks, "1:00") {
		t.Errorf("time axis %q, want exam time from 0:00", ticks)
	}
	legend := browsertest.Eval[string](t, ctx, `document.getElementById('legend').textContent`)
	for _, w := range []string{"Applied by the rules", "Not applied", "Excused", "Confirmed", "Nothing recorded"} {
		if !strings.Contains(legend, w) {
			t.Errorf("the legend lacks %q: %q", w, legend)
		}
	}
	gaps := browsertest.Eval[[]float64](t, ctx, `(() => { const g = document.querySelectorAll('.tl-overlay .gap'); if (g.length !== 1) return [];
	  const a = document.querySelector('.tl-axis').getBoundingClientRect(), r = g[0].getBoundingClientRect();
	  return [(r.left - a.left) / a.width * 120, (r.right - a.left) / a.width * 120]; })()`)
	if len(gaps) != 2 || gaps[0] < 48.5 || gaps[0] > 50.5 || gaps[1] < 59.5 || gaps[1] > 60.5 {
		t.Errorf("recording gap drawn at %v s, want one from the last frame before it (49 s) to 60 s", gaps)
	}
}

// checkSpanStates: applied, not applied, excused and confirmed show on
// the span itself, drawn and in words.
func checkSpanStates(t *testing.T, ctx context.Context, o overlapped) {
	t.Helper()
	for _, c := range []struct {
		v           proctor.Violation
		class, mark string
		words       string
	}{
		{o.ofType(proctor.BackgroundAudio)[0], "excused", "✓", "applied by the rules, excused by Tess Teacher"},
		{o.ofType(proctor.LeftSession)[0], "confirmed", "!", "applied by the rules, confirmed by Tess Teacher"},
		{o.ofType(proctor.FacialSuspicion)[0], "off", "", "not applied"},
		{o.ofType(proctor.MultiplePeople)[0], "applied", "", "applied by the rules"},
	} {
		got := browsertest.Eval[[]string](t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector('.timeline .span[data-id="%d"]');
		  return [s.className, s.querySelector('.mark') ? s.querySelector('.mark').textContent : '', s.getAttribute('aria-label')]; })()`, c.v.ID))
		if !slices.Contains(strings.Fields(got[0]), c.class) || got[1] != c.mark || !strings.HasSuffix(got[2], c.words) {
			t.Errorf("%s span: class %q, mark %q, label %q; want %s, %q, ending %q", c.v.Type, got[0], got[1], got[2], c.class, c.mark, c.words)
		}
	}
}

// checkOneScreen: at 1366×768, with the page scrolled to the top, the
// picture, the whole timeline and the current incident's evidence and
// decision controls are all on screen.
func checkOneScreen(t *testing.T, ctx context.Context, o overlapped) {
	t.Helper()
	left := o.ofType(proctor.LeftSession)[0]
	browsertest.Step(t, ctx, "select the Left Session", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.timeline .span[data-id="%d"]`, left.ID))))
	browsertest.Eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
	off := browsertest.Eval[[]string](t, ctx, `(() => { const out = [];
	  for (const sel of ['#frame', '#timeline', '#play', '#next-incident', 'article.current .evidence', 'article.current form.decision button[type=submit]', 'article.current form.decision textarea']) {
	    const e = document.querySelector(sel);
	    if (!e) { out.push(sel + ' missing'); continue; }
	    const r = e.getBoundingClientRect();
	    if (r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth || r.height === 0) out.push(sel + ' at ' + JSON.stringify(r));
	  }
	  return out; })()`)
	for _, x := range off {
		t.Errorf("not on the first screen at 1366×768: %s", x)
	}
	if h := browsertest.Eval[float64](t, ctx, `document.getElementById('frame').getBoundingClientRect().height`); h < 190 {
		t.Errorf("the picture is %.0f px high", h)
	}
}

// checkIncidentKeys: N and P (and the buttons) step through the incidents
// in time order, incidents starting together in list order.
func checkIncidentKeys(t *testing.T, ctx context.Context, o overlapped) {
	t.Helper()
	browsertest.Step(t, ctx, "to the start with the slider", chromedp.Focus(chromedp.CSS("#seek")), chromedp.KeyEvent(kb.Home))
	if got := playerTime(t, ctx); got != 0 {
		t.Fatalf("Home on the slider: %d ms", got)
	}
	step := func(what string, act chromedp.Action[chromedp.Void], want proctor.Violation) {
		t.Helper()
		browsertest.Step(t, ctx, what, act)
		if got, cur := playerTime(t, ctx), browsertest.Eval[string](t, ctx, `document.getElementById('player').dataset.current`); got != o.startMS(want) || cur != fmt.Sprint(want.ID) {
			t.Errorf("%s: at %d ms on incident %s, want %d ms on %d (%s)", what, got, cur, o.startMS(want), want.ID, want.Type)
		}
	}
	step("N", chromedp.KeyEvent("n"), o.vs[0])
	step("N again", chromedp.KeyEvent("n"), o.vs[1])
	step("N a third time", chromedp.KeyEvent("n"), o.vs[2])
	step("P", chromedp.KeyEvent("p"), o.vs[1])
	step("the Next button", chromedp.Click(chromedp.CSS("#next-incident")), o.vs[2])
	step("the Previous button", chromedp.Click(chromedp.CSS("#prev-incident")), o.vs[1])
	last := o.vs[len(o.vs)-1]
	browsertest.Step(t, ctx, "focus the last span", chromedp.Focus(chromedp.CSS(fmt.Sprintf(`.timeline .span[data-id="%d"]`, o.vs[0].ID))), chromedp.KeyEvent(kb.End))
	if f := browsertest.Eval[string](t, ctx, `document.activeElement.dataset.id`); f != fmt.Sprint(last.ID) {
		t.Errorf("End on a span focuses span %s, want the last one (%d)", f, last.ID)
	}
	step("Enter on the focused span", chromedp.KeyEvent(kb.Enter), last)
	browsertest.Step(t, ctx, "N after the last incident", chromedp.KeyEvent("n"))
	if cur := browsertest.Eval[string](t, ctx, `document.getElementById('current').textContent`); !strings.HasPrefix(cur, "No later incident") {
		t.Errorf("N after the last incident says %q", cur)
	}
}

// checkZoom: + and the button zoom in about the playhead; the spans stay
// 24 px targets that do not overlap; 0 shows all again.
func checkZoom(t *testing.T, ctx context.Context) {
	t.Helper()
	width := func() float64 {
		return browsertest.Eval[float64](t, ctx, `document.querySelector('.tl-axis').getBoundingClientRect().width`)
	}
	w1 := width()
	browsertest.Step(t, ctx, "zoom in with +", chromedp.Focus(chromedp.CSS("#play")), chromedp.KeyEvent("+"))
	browsertest.Step(t, ctx, "zoom in with the button", chromedp.Click(chromedp.CSS("#zoom-in")))
	if z := browsertest.Eval[string](t, ctx, `document.getElementById('player').dataset.zoom`); z != "4" {
		t.Fatalf("zoom %s after + and Zoom in, want 4", z)
	}
	if w4 := width(); w4 < 3.9*w1 || w4 > 4.1*w1 {
		t.Errorf("the track is %.0f px at 4×, %.0f px at 1×", w4, w1)
	}
	if !browsertest.Eval[bool](t, ctx, `(() => { const s = document.querySelector('.tl-scroll'); return s.scrollWidth > s.clientWidth; })()`) {
		t.Error("at 4× the timeline does not scroll sideways (pan)")
	}
	playhead := browsertest.Eval[bool](t, ctx, `(() => { const p = document.querySelector('.playhead').getBoundingClientRect(), s = document.querySelector('.tl-scroll').getBoundingClientRect();
	  return p.left >= s.left && p.left <= s.right; })()`)
	if !playhead {
		t.Error("zooming in lost the playhead from view")
	}
	spanTargets(t, ctx)
	browsertest.Step(t, ctx, "show all with 0", chromedp.Focus(chromedp.CSS("#play")), chromedp.KeyEvent("0"))
	if z := browsertest.Eval[string](t, ctx, `document.getElementById('player').dataset.zoom`); z != "1" || !browsertest.Eval[bool](t, ctx, `document.getElementById('zoom-out').disabled`) {
		t.Errorf("after 0: zoom %s, Zoom out enabled", z)
	}
}

// checkSpeed: at 4× the player covers four seconds of the session per
// second of playing, measured in the page.
func checkSpeed(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Step(t, ctx, "choose 4×", chromedp.SendKeys(chromedp.CSS("#speed"), "4"))
	if r := browsertest.Eval[string](t, ctx, `document.getElementById('player').dataset.rate`); r != "4" {
		t.Fatalf("speed %q after choosing 4×", r)
	}
	browsertest.Step(t, ctx, "to the start", chromedp.Focus(chromedp.CSS("#seek")), chromedp.KeyEvent(kb.Home))
	browsertest.Eval[bool](t, ctx, `(window.vigilPlayFrom = performance.now(), true)`)
	browsertest.Step(t, ctx, "play", chromedp.Click(chromedp.CSS("#play")))
	browsertest.Wait(t, ctx, "8 s of the session play", `Number(document.getElementById('player').dataset.time) >= 8000`, 20*time.Second)
	rate := browsertest.Eval[float64](t, ctx, `Number(document.getElementById('player').dataset.time) / (performance.now() - window.vigilPlayFrom)`)
	browsertest.Step(t, ctx, "pause", chromedp.Click(chromedp.CSS("#play")))
	if rate < 3 || rate > 4.2 {
		t.Errorf("at 4× the session played at %.2f× the wall clock", rate)
	}
}

// checkTabs: the tabs switch without a reload and keep their URL, Back
// returns to the previous tab, and "Show in the video" on an incident in
// Online Violations opens Video Monitoring at its moment.
func checkTabs(t *testing.T, ctx context.Context, o overlapped) {
	t.Helper()
	browsertest.Step(t, ctx, "open Online Violations", chromedp.Click(chromedp.CSS("#tab-violations")))
	state := func() string {
		return browsertest.Eval[string](t, ctx, `new URLSearchParams(location.search).get('tab') + ' ' + document.getElementById('review').dataset.tab + ' ' +
		  [...document.querySelectorAll('#review > .panel')].filter((p) => !p.hidden).map((p) => p.id).join(',') + ' ' +
		  document.querySelector('#tabs [aria-current=page]').id + ' ' + (window.vigilSamePage === true)`)
	}
	if s := state(); s != "violations violations panel-violations tab-violations true" {
		t.Fatalf("after selecting Online Violations: %s", s)
	}
	browsertest.Step(t, ctx, "open Verification Scans", chromedp.Click(chromedp.CSS("#tab-scans")))
	if s := state(); s != "scans scans panel-scans tab-scans true" {
		t.Fatalf("after selecting Verification Scans: %s", s)
	}
	browsertest.Eval[bool](t, ctx, `(history.back(), true)`) // the browser's Back button
	browsertest.Wait(t, ctx, "Back returns to Online Violations", `document.getElementById('review').dataset.tab === 'violations'`, 10*time.Second)
	if s := state(); s != "violations violations panel-violations tab-violations true" {
		t.Fatalf("after Back: %s", s)
	}
	v := o.ofType(proctor.BackgroundAudio)[2]
	browsertest.Step(t, ctx, "Show in the video", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#violation-%d a[data-jump]`, v.ID))))
	if s := state(); s != "video video panel-video,panel-violations tab-video true" {
		t.Fatalf("after Show in the video: %s", s)
	}
	if got := playerTime(t, ctx); got != o.startMS(v) {
		t.Errorf("Show in the video moved the player to %d ms, want %d", got, o.startMS(v))
	}
	if id := browsertest.Eval[string](t, ctx, `new URLSearchParams(location.search).get('v')`); id != fmt.Sprint(v.ID) {
		t.Errorf("the URL names incident %s, want %d", id, v.ID)
	}
	// The URL a tab left behind opens that tab and incident when loaded.
	browsertest.Step(t, ctx, "reload", chromedp.Reload())
	browsertest.Wait(t, ctx, "the player loads at the incident", fmt.Sprintf(`document.getElementById('player').dataset.time === '%d'`, o.startMS(v)), 20*time.Second)
	browsertest.Eval[bool](t, ctx, `(window.vigilSamePage = true)`)
}

// TestBulkDecisionsInABrowser: on Online Violations an instructor excuses
// every Background Audio shorter than 3 s with one note, then confirms two
// ticked incidents. Each decision is stored and audited per incident, the
// reviewed verdict is decided again at once, and the page and the timeline
// say who decided what and when.
func TestBulkDecisionsInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, func(s *proctor.Settings) {
		s.Policy.FailAtOnce = []proctor.ViolationType{proctor.BackgroundAudio, proctor.MultiplePeople}
		s.Policy.FailShare = 1 // only those two fail this session
	})
	o := overlapSession(t, srv, f)
	ctx := browsertest.New(t)
	viewport(t, ctx, 1366, 768)
	openSession(t, srv, ctx, f, o.sess, "violations")
	bg := context.Background()

	browsertest.Step(t, ctx, "choose Background Audio shorter than 3 s",
		chromedp.SendKeys(chromedp.CSS("#bulk-type"), "Background Audio"), chromedp.SendKeys(chromedp.CSS("#bulk-shorter"), "3"))
	if got := browsertest.Eval[string](t, ctx, `document.getElementById('bulk-type').value + ' ' + document.getElementById('scope-filter').checked + ' ' + document.getElementById('bulk-matches').textContent`); got != "background_audio true (3 matches)" {
		t.Fatalf("the filter reads %q, want Background Audio chosen and 3 matches", got)
	}
	browsertest.Step(t, ctx, "excuse, with a note", chromedp.Click(chromedp.CSS(`#bulk input[name=decision][value=excused]`)),
		chromedp.SendKeys(chromedp.CSS("#bulk-note"), "the neighbour's radio"))
	browsertest.Navigates(t, ctx, "apply", chromedp.Click(chromedp.CSS("#bulk-apply")))
	if flash := browsertest.Eval[string](t, ctx, `document.querySelector('.flash').textContent`); flash != "Excused: 3 incidents" {
		t.Errorf("after the bulk excuse the page says %q", flash)
	}
	audio := o.ofType(proctor.BackgroundAudio)
	for i, v := range audio {
		got, err := srv.Store.GetViolation(bg, v.ID)
		must(t, err)
		short := i < 3
		if short != (got.Decision == proctor.DecisionExcused) || short && (got.DecisionNote != "the neighbour's radio" || got.DecidedBy != f.Instructor.ID) {
			t.Errorf("Background Audio of %s: %q %q by %d", v.Duration(), got.Decision, got.DecisionNote, got.DecidedBy)
		}
		if n := auditActions(t, srv, fmt.Sprintf("violation:%d", v.ID))[proctor.AuditViolationDecide]; n != map[bool]int{true: 1, false: 0}[short] {
			t.Errorf("Background Audio of %s: %d decisions audited", v.Duration(), n)
		}
	}
	sess, err := srv.Store.GetSession(bg, o.sess.ID)
	must(t, err)
	if sess.ReviewedVerdict != proctor.VerdictFail { // the 5 s one and Multiple People still fail it at once
		t.Errorf("reviewed verdict %q", sess.ReviewedVerdict)
	}

	// Tick Multiple People and the 5 s Background Audio, and confirm.
	people, long := o.ofType(proctor.MultiplePeople)[0], audio[3]
	browsertest.Step(t, ctx, "tick two incidents",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="tick-%d"]`, people.ID))), chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="tick-%d"]`, long.ID))))
	if got := browsertest.Eval[string](t, ctx, `document.getElementById('bulk-ticked').textContent + ' ' + document.getElementById('scope-selected').checked`); got != "2 true" {
		t.Fatalf("after ticking two: %q", got)
	}
	browsertest.Step(t, ctx, "excuse them too", chromedp.Click(chromedp.CSS(`#bulk input[name=decision][value=excused]`)),
		chromedp.SendKeys(chromedp.CSS("#bulk-note"), "a sibling, then the radio"))
	browsertest.Navigates(t, ctx, "apply", chromedp.Click(chromedp.CSS("#bulk-apply")))
	sess, err = srv.Store.GetSession(bg, o.sess.ID)
	must(t, err)
	if sess.ReviewedVerdict != proctor.VerdictPass {
		t.Errorf("with everything that fails at once excused, the reviewed verdict is %q", sess.ReviewedVerdict)
	}
	browsertest.Step(t, ctx, "confirm the Multiple People again, alone", chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="tick-%d"]`, people.ID))),
		chromedp.Click(chromedp.CSS(`#bulk input[name=decision][value=confirmed]`)), chromedp.SendKeys(chromedp.CSS("#bulk-note"), "two faces for 4 s"))
	browsertest.Navigates(t, ctx, "apply", chromedp.Click(chromedp.CSS("#bulk-apply")))
	sess, err = srv.Store.GetSession(bg, o.sess.ID)
	must(t, err)
	if sess.ReviewedVerdict != proctor.VerdictFail {
		t.Errorf("after confirming Multiple People the reviewed verdict is %q", sess.ReviewedVerdict)
	}
	who := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.getElementById('decided-%d').textContent`, people.ID))
	if !strings.HasPrefix(who, "Confirmed by Tess Teacher, ") || !strings.HasSuffix(who, "“two faces for 4 s”") {
		t.Errorf("the page says %q about the Multiple People decision", who)
	}
	if reason := browsertest.Eval[string](t, ctx, `document.getElementById('reviewed-reason').textContent`); !strings.Contains(reason, "Fail") {
		t.Errorf("the reviewed explanation %q", reason)
	}
	browsertest.Step(t, ctx, "open Video Monitoring", chromedp.Click(chromedp.CSS("#tab-video")))
	browsertest.Wait(t, ctx, "the player loads", `document.getElementById('player').dataset.zoom === '1'`, 20*time.Second)
	label := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('.timeline .span[data-id="%d"]').getAttribute('aria-label')`, audio[0].ID))
	if !strings.HasSuffix(label, "excused by Tess Teacher") {
		t.Errorf("the excused span reads %q", label)
	}

	// A single decision beside the player comes back to the player, on
	// the same incident.
	browsertest.Step(t, ctx, "select the Multiple People", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.timeline .span[data-id="%d"]`, people.ID))))
	art := fmt.Sprintf("#violation-%d", people.ID)
	browsertest.Step(t, ctx, "excuse it", chromedp.Click(chromedp.CSS(art+` form.decision input[value=excused]`)))
	browsertest.Navigates(t, ctx, "save the decision", chromedp.Click(chromedp.CSS(art+` form.decision button[type=submit]`)))
	browsertest.Wait(t, ctx, "the player loads on the incident", fmt.Sprintf(`document.getElementById('player').dataset.time === '%d'`, o.startMS(people)), 20*time.Second)
	if got := browsertest.Eval[string](t, ctx, `new URLSearchParams(location.search).get('tab') + ' ' + document.getElementById('player').dataset.current`); got != fmt.Sprintf("video %d", people.ID) {
		t.Errorf("after saving beside the player: %q", got)
	}
	if got, _ := srv.Store.GetViolation(bg, people.ID); got.Decision != proctor.DecisionExcused {
		t.Errorf("the decision saved beside the player is %q", got.Decision)
	}
}

// TestSessionPageAccessibility runs axe-core on the session page on every
// tab, at 1366×768 and at 390 px wide, with decisions on the page and its
// menus open: no critical or serious finding.
func TestSessionPageAccessibility(t *testing.T) {
	_, ctx := openDecidedSession(t)
	for _, size := range [][2]int64{{1366, 768}, {390, 844}} {
		viewport(t, ctx, size[0], size[1])
		for _, tab := range []string{"video", "violations", "scans", "onboarding"} {
			browsertest.Step(t, ctx, "open "+tab, chromedp.Click(chromedp.CSS("#tab-"+tab)))
			browsertest.AxeClean(t, ctx, fmt.Sprintf("session page, %s tab, %d px", tab, size[0]))
		}
	}
	browsertest.Step(t, ctx, "open Video Monitoring", chromedp.Click(chromedp.CSS("#tab-video")))
	browsertest.Step(t, ctx, "open the menus and the whole explanation", chromedp.Click(chromedp.CSS("#export-menu summary")),
		chromedp.Click(chromedp.CSS("#session-details summary")), chromedp.Click(chromedp.CSS("#why-toggle")))
	browsertest.AxeClean(t, ctx, "session page with its menus open, 390 px")
}

// TestVideoPlayerInABrowser: a session recorded as video (two segments,
// the second after a 5 s reload) plays from the video element: the speed
// sets its playback rate, and a span or N seeks it within the segment the
// incident falls in. (The chunks are not a playable film, so only what the
// page sets on the element is checked, not the picture.)
func TestVideoPlayerInABrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	t0 := time.Now().UTC().Add(-time.Minute)
	for seq := range 4 {
		data := bytes.Repeat([]byte{byte('a' + seq)}, 700)
		if seq%2 == 0 {
			data = append(webm(), data...)
		}
		at := t0.Add(time.Duration(seq) * 10 * time.Second)
		if seq >= 2 {
			at = at.Add(5 * time.Second)
		}
		hdr := map[string]string{"X-Capture-Time": at.Format(time.RFC3339Nano), "X-Duration-Ms": "10000"}
		if r := c.do("PUT", chunk(s.id, "webcam", seq), s.token, "video/webm", hdr, data); r.status != 200 {
			t.Fatalf("chunk %d: %d %s", seq, r.status, r.raw)
		}
	}
	ctx := context.Background()
	sess, err := srv.Store.GetSession(ctx, s.id)
	must(t, err)
	origin := sess.Origin()
	must(t, srv.Store.ReplaceViolations(ctx, s.id, []proctor.Violation{
		{SessionID: s.id, Type: proctor.LeftSession, Start: origin.Add(5 * time.Second), End: origin.Add(12 * time.Second), Applied: true, Confidence: 1},
		{SessionID: s.id, Type: proctor.BackgroundAudio, Start: origin.Add(30 * time.Second), End: origin.Add(33 * time.Second), Applied: true, Confidence: 1}}))
	vs, err := srv.Store.ListViolations(ctx, s.id)
	must(t, err)

	bctx := browsertest.New(t)
	viewport(t, bctx, 1366, 768)
	openSession(t, srv, bctx, f, sess, "video")
	browsertest.Step(t, bctx, "choose 3×", chromedp.SendKeys(chromedp.CSS("#speed"), "3"))
	if r := browsertest.Eval[float64](t, bctx, `document.getElementById('video').playbackRate`); r != 3 {
		t.Errorf("the video plays at %v× after choosing 3×", r)
	}
	browsertest.Step(t, bctx, "to the first incident with N", chromedp.Focus(chromedp.CSS("#play")), chromedp.KeyEvent("n"))
	state := func() string {
		return browsertest.Eval[string](t, bctx, `(() => { const v = document.getElementById('video');
		  return new URL(v.src).searchParams.get('segment') + ' ' + v.currentTime + ' ' + document.getElementById('player').dataset.time; })()`)
	}
	if got := state(); got != "0 5 5000" {
		t.Errorf("after N: segment, seconds into it, player time = %q, want \"0 5 5000\"", got)
	}
	browsertest.Step(t, bctx, "click the Background Audio", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.timeline .span[data-id="%d"]`, vs[1].ID))))
	if got := state(); got != "1 5 30000" { // the second segment starts at 25 s
		t.Errorf("after clicking the span at 30 s: %q, want \"1 5 30000\"", got)
	}
	if r := browsertest.Eval[float64](t, bctx, `document.getElementById('video').playbackRate`); r != 3 {
		t.Errorf("the second segment plays at %v×", r)
	}
}
