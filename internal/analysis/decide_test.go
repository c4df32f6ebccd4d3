package analysis

import (
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// frames builds one signal per second from a script: '1' one face, '0' none,
// 'd' none in a dark frame, '2' two faces, 'x' unanalysable, ' ' no frame.
func frames(script string) []proctor.FrameSignal {
	var out []proctor.FrameSignal
	for i, c := range script {
		sig := proctor.FrameSignal{Seq: int64(len(out)), CapturedAt: at(float64(i)), OK: true, MeanLuma: 120}
		switch c {
		case ' ':
			continue
		case '1':
			sig.Faces = 1
		case 'd':
			sig.MeanLuma = 8
		case '2':
			sig.Faces = 2
			sig.Boxes = []proctor.FaceBox{{Score: 0.9}, {Score: 0.8}}
		case 'x':
			sig.OK, sig.Error = false, "corrupt JPEG"
		}
		out = append(out, sig)
	}
	return out
}

func decide(t *testing.T, sigs []proctor.FrameSignal, events []proctor.Event, tweak func(*proctor.Settings)) []proctor.Violation {
	t.Helper()
	s := proctor.DefaultSettings()
	if tweak != nil {
		tweak(&s)
	}
	end := t0
	if len(sigs) > 0 {
		end = sigs[len(sigs)-1].CapturedAt
	}
	return Decide(Input{Settings: s, Start: t0, End: end, Frames: sigs, Events: events})
}

type want struct {
	typ        proctor.ViolationType
	start, end float64
	applied    bool
	cause      proctor.Cause
}

func check(t *testing.T, got []proctor.Violation, wants ...want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, v := range got {
			t.Logf("got %s %v–%v applied=%v cause=%s: %s", v.Type, v.Start.Sub(t0), v.End.Sub(t0), v.Applied, v.Cause, v.Reason)
		}
		t.Fatalf("%d violations, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		v := got[i]
		if v.Type != w.typ || !v.Start.Equal(at(w.start)) || !v.End.Equal(at(w.end)) || v.Applied != w.applied || (w.cause != "" && v.Cause != w.cause) {
			t.Errorf("violation %d = %s %v–%v applied=%v cause=%s (%s); want %+v", i, v.Type, v.Start.Sub(t0), v.End.Sub(t0), v.Applied, v.Cause, v.Reason, w)
		}
		if v.Reason == "" || v.Rule == "" {
			t.Errorf("violation %d has no rule or reason", i)
		}
	}
}

func TestLeftSession(t *testing.T) {
	// Away 5 s (frames 3–7): applied; away 3 s (frames 12–14): recorded, not
	// applied; a single missed frame (19) is too short to record.
	got := decide(t, frames("111000001111000111110111"), nil, nil)
	check(t, got,
		want{proctor.LeftSession, 3, 8, true, proctor.CauseNoFace},
		want{proctor.LeftSession, 12, 15, false, proctor.CauseNoFace})
	if !strings.Contains(got[1].Reason, "under the 5 s") {
		t.Errorf("reason does not say why: %q", got[1].Reason)
	}
	ev := got[0].Evidence
	if len(ev.FrameSeqs) != 5 || ev.FrameSeqs[0] != 3 || ev.FrameSeqs[4] != 7 || *ev.BeforeSeq != 2 || *ev.AfterSeq != 8 {
		t.Errorf("evidence %+v: want frames 3–7 inside, 2 before and 8 after", ev)
	}
	if snaps := ev.Snapshots(); len(snaps) != 7 || snaps[0].Where != "before" || snaps[1].Where != "during" || snaps[6].Where != "after" {
		t.Errorf("snapshots %+v", snaps)
	}
}

func TestLeftSessionTooDark(t *testing.T) {
	got := decide(t, frames("1111dddddddd1111"), nil, nil)
	check(t, got, want{proctor.LeftSession, 4, 12, true, proctor.CauseTooDark})
	if got[0].Confidence >= 0.9 {
		t.Errorf("too-dark confidence %.2f should be lower than a clear absence", got[0].Confidence)
	}
}

func TestGapsAndBadFramesBreakRuns(t *testing.T) {
	// 3 s absent, 5 s without frames (the client was offline), 3 s absent:
	// two short runs, not one long one. A corrupt frame proves nothing either.
	got := decide(t, frames("1000     0001"), nil, nil)
	check(t, got,
		want{proctor.LeftSession, 1, 4, false, ""},
		want{proctor.LeftSession, 9, 12, false, ""})
	got = decide(t, frames("1000x0001"), nil, nil)
	check(t, got,
		want{proctor.LeftSession, 1, 4, false, ""},
		want{proctor.LeftSession, 5, 8, false, ""})
}

func TestMultiplePeople(t *testing.T) {
	got := decide(t, frames("11122221112111"), nil, nil)
	check(t, got,
		want{proctor.MultiplePeople, 3, 7, true, ""},
		want{proctor.MultiplePeople, 10, 11, false, ""}) // half the threshold: on record
	if got[0].Confidence < 0.79 || got[0].Confidence > 0.81 || got[0].Detail != "up to 2 faces" {
		t.Errorf("confidence %.2f detail %q", got[0].Confidence, got[0].Detail)
	}
}

func ev(id int64, sec float64, kind proctor.EventKind, f func(*proctor.Event)) proctor.Event {
	e := proctor.Event{ID: id, At: at(sec), Kind: kind, Source: "browser"}
	if f != nil {
		f(&e)
	}
	return e
}

func TestOnlineAid(t *testing.T) {
	events := []proctor.Event{
		ev(1, 10, proctor.EventFocusLost, nil), ev(2, 18, proctor.EventFocusGained, nil), // 8 s: applied
		ev(3, 40, proctor.EventFocusLost, nil), ev(4, 41, proctor.EventFocusGained, nil), // 1 s: not
		// Overlapping: hidden, then fullscreen left, visible again, fullscreen back.
		ev(5, 50, proctor.EventHidden, nil), ev(6, 51, proctor.EventFullscreenExit, nil),
		ev(7, 53, proctor.EventVisible, nil), ev(8, 56, proctor.EventFullscreenEnter, nil),
		ev(9, 70, proctor.EventFocusGained, nil), // an end without a start is ignored
		ev(10, 80, proctor.EventFocusLost, nil),  // never regained: lasts to the end
	}
	got := decide(t, frames(strings.Repeat("1", 91)), events, nil)
	check(t, got,
		want{proctor.OnlineAid, 10, 18, true, proctor.CauseFocus},
		want{proctor.OnlineAid, 40, 41, false, proctor.CauseFocus},
		want{proctor.OnlineAid, 50, 56, true, proctor.CauseHidden},
		want{proctor.OnlineAid, 80, 90, true, proctor.CauseFocus})
	if ids := got[2].EventIDs; len(ids) != 4 {
		t.Errorf("evidence events %v, want the 4 events of the span", ids)
	}
}

func TestKeystrokes(t *testing.T) {
	events := []proctor.Event{
		ev(1, 25, proctor.EventKey, func(e *proctor.Event) { e.Combo = "Ctrl+C" }),
		ev(2, 26, proctor.EventKey, func(e *proctor.Event) { e.Combo = "Ctrl+Z" }),
		ev(3, 27, proctor.EventPaste, nil),
		ev(4, 28, proctor.EventKey, func(e *proctor.Event) { e.Combo = "Meta+V" }),
	}
	got := decide(t, nil, events, nil)
	check(t, got,
		want{proctor.Keystrokes, 25, 25, true, proctor.CauseKeyCombo},
		want{proctor.Keystrokes, 27, 27, true, proctor.CausePaste},
		want{proctor.Keystrokes, 28, 28, true, proctor.CauseKeyCombo})
	got = decide(t, nil, events, func(s *proctor.Settings) { s.BlacklistedKeys = []string{"ctrl+z"} })
	check(t, got, want{proctor.Keystrokes, 26, 26, true, proctor.CauseKeyCombo})
}

func TestBlacklistedApps(t *testing.T) {
	app := func(name, state string) func(*proctor.Event) {
		return func(e *proctor.Event) { e.Name, e.AppState = name, state }
	}
	events := []proctor.Event{
		ev(1, 5, proctor.EventScreenShare, func(e *proctor.Event) { e.Surface = "monitor" }),
		ev(2, 50, proctor.EventApp, app("calculator", "running")),
		ev(3, 55, proctor.EventApp, app("Zoom.exe", "running")),
		ev(4, 70, proctor.EventApp, app("zoom", "stopped")),
		ev(5, 75, proctor.EventScreens, func(e *proctor.Event) { e.Count = 2 }),
		ev(6, 80, proctor.EventScreenShare, func(e *proctor.Event) { e.Surface = "window" }),
		ev(7, 85, proctor.EventScreenShare, func(e *proctor.Event) { e.Surface = "monitor" }),
	}
	tweak := func(s *proctor.Settings) {
		s.WhitelistedApps = []string{"calculator"}
		s.BlacklistedApps = []string{"zoom", "calculator", "discord"}
	}
	got := decide(t, frames(strings.Repeat("1", 91)), events, tweak)
	check(t, got,
		want{proctor.BlacklistedApps, 55, 70, true, ""},
		want{proctor.BlacklistedApps, 75, 90, true, ""},
		want{proctor.BlacklistedApps, 80, 85, true, ""})
	allow := func(s *proctor.Settings) { tweak(s); s.AllowMultipleScreens = true }
	if got := decide(t, frames(strings.Repeat("1", 91)), events, allow); len(got) != 2 {
		t.Fatalf("with extra screens allowed: %d violations, want 2", len(got))
	}
}

func TestSwitchedOffTypesAreKeptButNotApplied(t *testing.T) {
	got := decide(t, frames("1000000001"), nil, func(s *proctor.Settings) { s.LeftSession.Enabled = false })
	check(t, got, want{proctor.LeftSession, 1, 9, false, ""})
	if !strings.Contains(got[0].Reason, "switched off") {
		t.Errorf("reason %q", got[0].Reason)
	}
}

func TestThresholdsComeFromSettings(t *testing.T) {
	sigs := frames("11100011")
	if got := decide(t, sigs, nil, nil); len(got) != 1 || got[0].Applied {
		t.Fatalf("3 s away applied under the default 5 s rule: %+v", got)
	}
	got := decide(t, sigs, nil, func(s *proctor.Settings) { s.LeftSession.MinSeconds = 3 })
	check(t, got, want{proctor.LeftSession, 3, 6, true, ""})
}

func TestVerdict(t *testing.T) {
	p := proctor.DefaultSettings().Policy // fail at 15 % of the session; a key press counts 10 s
	v := func(typ proctor.ViolationType, from, to float64, applied bool, cause proctor.Cause, d proctor.Decision) proctor.Violation {
		return proctor.Violation{Type: typ, Start: at(from), End: at(to), Applied: applied, Cause: cause, Decision: d}
	}
	tenMin := 10 * time.Minute
	cases := []struct {
		name     string
		vs       []proctor.Violation
		length   time.Duration
		reviewed bool
		want     proctor.Verdict
	}{
		{"nothing", nil, tenMin, false, proctor.VerdictPass},
		{"not applied", []proctor.Violation{v(proctor.MultiplePeople, 0, 60, false, "", "")}, tenMin, false, proctor.VerdictPass},
		{"fail at once", []proctor.Violation{v(proctor.MultiplePeople, 0, 3, true, "", "")}, tenMin, false, proctor.VerdictFail},
		{"80 s away of 600 (13 %)", []proctor.Violation{v(proctor.OnlineAid, 0, 80, true, "", "")}, tenMin, false, proctor.VerdictPass},
		{"80 s away + a copy (15 %)", []proctor.Violation{v(proctor.OnlineAid, 0, 80, true, "", ""), v(proctor.Keystrokes, 100, 100, true, "", "")}, tenMin, false, proctor.VerdictFail},
		{"overlaps count once", []proctor.Violation{v(proctor.LeftSession, 0, 60, true, "", ""), v(proctor.LeftSession, 30, 85, true, "", "")}, tenMin, false, proctor.VerdictPass},
		{"too dark never counts", []proctor.Violation{v(proctor.LeftSession, 0, 300, true, proctor.CauseTooDark, "")}, tenMin, false, proctor.VerdictPass},
		{"excused counts until reviewed", []proctor.Violation{v(proctor.MultiplePeople, 0, 3, true, "", proctor.DecisionExcused)}, tenMin, false, proctor.VerdictFail},
		{"excused after review", []proctor.Violation{v(proctor.MultiplePeople, 0, 3, true, "", proctor.DecisionExcused)}, tenMin, true, proctor.VerdictPass},
	}
	for _, c := range cases {
		if got := Verdict(p, c.vs, c.length, c.reviewed); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	exact := p
	exact.PointSeconds = 0
	if got := Verdict(exact, []proctor.Violation{v(proctor.OnlineAid, 0, 5, true, "", "")}, 5*time.Second, false); got != proctor.VerdictPass {
		t.Errorf("5 s away in a 5 s session (counted as a minute): %s, want pass", got)
	}
	heavy := p
	heavy.Weights = map[proctor.ViolationType]float64{proctor.OnlineAid: 2}
	if got := Verdict(heavy, []proctor.Violation{v(proctor.OnlineAid, 0, 50, true, "", "")}, tenMin, false); got != proctor.VerdictFail {
		t.Errorf("weight 2 on 50 s of 600: %s, want fail", got)
	}
}

// TestBackgroundMotionAroundArrivals: the frame where the student sits down
// in front of an empty camera (or the last face leaves) changes the whole
// picture; it is Left Session's edge, not movement behind the student. A
// second person walking in behind the student is movement all the same.
func TestBackgroundMotionAroundArrivals(t *testing.T) {
	motionOf := func(script string, moving map[int]float64) []proctor.FrameSignal {
		sigs := frames(script)
		for i := range sigs {
			sigs[i].Motion = moving[i]
		}
		return sigs
	}
	only := func(vs []proctor.Violation) []proctor.Violation {
		var out []proctor.Violation
		for _, v := range vs {
			if v.Type == proctor.BackgroundMotion {
				out = append(out, v)
			}
		}
		return out
	}
	// Leaves at 5, away until 12 (a pet moving at 11), back at 12; the
	// picture settles a frame later.
	got := only(decide(t, motionOf("111110000000111111", map[int]float64{5: 0.8, 11: 0.2, 12: 0.8, 13: 0.2}), nil, nil))
	check(t, got, want{proctor.BackgroundMotion, 11, 12, false, ""}, want{proctor.BackgroundMotion, 13, 14, false, ""})
	// Someone walks in behind the student (frames 4–6): applied.
	got = only(decide(t, motionOf("11112221111", map[int]float64{4: 0.3, 5: 0.3, 6: 0.3}), nil, nil))
	check(t, got, want{proctor.BackgroundMotion, 4, 7, true, ""})
}
