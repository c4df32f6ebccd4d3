package proctor

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSessionStateMachine(t *testing.T) {
	s := &Session{ID: 1, State: StateCreated}
	for _, next := range []SessionState{StateInProgress, StateSubmitted, StateAnalyzed, StateAnalyzed} {
		if err := s.MoveTo(next); err != nil {
			t.Fatalf("move to %s: %v", next, err)
		}
	}
	for _, bad := range []SessionState{StateInProgress, StateCreated, StateSubmitted, StateExpired} {
		if err := s.MoveTo(bad); CodeOf(err) != CodeConflict {
			t.Errorf("analyzed → %s allowed (%v)", bad, err)
		}
	}
	if !StateInProgress.AcceptsUploads() || StateSubmitted.AcceptsUploads() || StateExpired.AcceptsUploads() {
		t.Error("AcceptsUploads is wrong")
	}
	open := &Session{State: StateInProgress, CreatedAt: time.Unix(0, 0)}
	if !open.ResumableAt(time.Unix(0, 0).Add(71*time.Hour)) || open.ResumableAt(time.Unix(0, 0).Add(73*time.Hour)) {
		t.Error("the 72-hour resume window is wrong")
	}
}

func TestNormalizeCombo(t *testing.T) {
	cases := map[string]string{
		"ctrl+c": "Ctrl+C", "C+Control": "Ctrl+C", "shift+ctrl+i": "Ctrl+Shift+I", "cmd+v": "Meta+V",
		"PrtSc": "PrintScreen", "Ctrl+": "", "Shift": "", "": "", " alt + meta + i ": "Alt+Meta+I", "F12": "F12",
	}
	for in, want := range cases {
		if got := NormalizeCombo(in); got != want {
			t.Errorf("NormalizeCombo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings([]byte(`{"facial_suspicion": {"min_seconds": 3}, "blacklisted_apps": ["zoom"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.FacialSuspicion.MinSeconds != 3 || !s.FacialSuspicion.Enabled || s.LeftSession.MinSeconds != 5 || s.BlacklistedApps[0] != "zoom" {
		t.Fatalf("overrides did not merge over the defaults: %+v", s)
	}
	for body, want := range map[string]string{
		`{"left_sesion": {"min_seconds": 3}}`:     "unknown field",
		`{"left_session": {"min_seconds": -1}}`:   "min_seconds must be between",
		`{"blacklisted_keys": ["Ctrl+"]}`:         "not a key combination",
		`{"policy": {"fail_at_once": ["crime"]}}`: "unknown violation type",
		`{"policy": {"fail_share": 0}}`:           "fail_share must be above 0",
		`{"policy": {"fail_score": 3}}`:           "unknown field",
		`{"background_motion": {"threshold": 2}}`: "threshold must be between 0 and 1",
		`{"frame_interval_seconds": 0}`:           "frame_interval_seconds",
		`[1]`:                                     "exam settings",
	} {
		if _, err := ParseSettings([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSettings(%s) = %v, want an error about %q", body, err, want)
		}
	}
	if !s.KeyBlacklisted("Ctrl+C") || !s.PasteBlacklisted() || s.KeyBlacklisted("Ctrl+Z") {
		t.Error("default key blacklist is wrong")
	}
}

func TestEventValidation(t *testing.T) {
	at := time.Now()
	good := []EventInput{
		{Kind: EventKey, At: at, Combo: "ctrl+v"}, {Kind: EventScreenShare, At: at, Surface: "window"},
		{Kind: EventApp, At: at, Name: "zoom", State: "running"}, {Kind: EventScreens, At: at, Count: 2},
	}
	for _, e := range good {
		if err := e.Validate(); err != nil {
			t.Errorf("%+v: %v", e, err)
		}
	}
	bad := []EventInput{
		{Kind: "warp", At: at}, {Kind: EventFocusLost}, {Kind: EventKey, At: at},
		{Kind: EventScreenShare, At: at, Surface: "tv"}, {Kind: EventApp, At: at, Name: "x", State: "paused"},
		{Kind: EventScreens, At: at, Count: 99}, {Kind: EventNavigate, At: at},
		{Kind: EventFocusLost, At: at, Source: "phone"}, {Kind: EventApp, At: at, Name: strings.Repeat("x", 600), State: "running"},
	}
	for _, e := range bad {
		if err := e.Validate(); err == nil {
			t.Errorf("%+v accepted", e)
		}
	}
	if got := (&EventInput{Kind: EventKey, At: at, Combo: "ctrl+v"}).Event(); got.Combo != "Ctrl+V" || got.Source != "browser" {
		t.Errorf("Event() = %+v", got)
	}
}

func TestSegments(t *testing.T) {
	opens := []bool{true, false, false, true, false, true}
	var chunks []VideoChunk
	for i, o := range opens {
		chunks = append(chunks, VideoChunk{Seq: int64(i), OpensSegment: o})
	}
	segs := Segments(chunks)
	var got [][]int64
	for _, s := range segs {
		var seqs []int64
		for _, c := range s {
			seqs = append(seqs, c.Seq)
		}
		got = append(got, seqs)
	}
	if fmt.Sprint(got) != "[[0 1 2] [3 4] [5]]" {
		t.Fatalf("Segments = %v", got)
	}
	if segs := Segments([]VideoChunk{{Seq: 0}, {Seq: 1, OpensSegment: true}}); len(segs) != 1 || segs[0][0].Seq != 1 {
		t.Fatalf("a chunk before any opener must be left out: %v", segs)
	}
}
