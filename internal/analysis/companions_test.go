package analysis

import (
	"strings"
	"testing"

	"vigil/internal/proctor"
)

func agentEv(id int64, sec float64, kind proctor.EventKind, name string) proctor.Event {
	return ev(id, sec, kind, func(e *proctor.Event) { e.Source, e.Name, e.Title = "agent", name, "window of "+name })
}

// TestForegroundApps: another app in front is Online Aid until an allowed
// one (a browser, a whitelisted app, a screen reader) comes back; before
// the exam began (the first frame) nothing counts.
func TestForegroundApps(t *testing.T) {
	events := []proctor.Event{
		agentEv(1, 1, proctor.EventForeground, "xterm"), // system check: before the first frame at 3 s
		agentEv(2, 4, proctor.EventForeground, "chromium"),
		agentEv(3, 10, proctor.EventForeground, "xterm"),
		agentEv(4, 14, proctor.EventForeground, "gedit"), // another app: a new span
		agentEv(5, 20, proctor.EventForeground, "calculator"),
		agentEv(6, 30, proctor.EventForeground, "nvda.exe"),
		agentEv(7, 40, proctor.EventForeground, "slack"),
		agentEv(8, 41, proctor.EventForeground, "Firefox"),
		agentEv(9, 50, proctor.EventForeground, "notes"),
	}
	got := decide(t, frames("   "+strings.Repeat("1", 58)), events, func(s *proctor.Settings) { s.WhitelistedApps = []string{"Calculator"} })
	check(t, got,
		want{proctor.OnlineAid, 3, 4, false, proctor.CauseOtherApp},
		want{proctor.OnlineAid, 10, 14, true, proctor.CauseOtherApp},
		want{proctor.OnlineAid, 14, 20, true, proctor.CauseOtherApp},
		want{proctor.OnlineAid, 40, 41, false, proctor.CauseOtherApp},
		want{proctor.OnlineAid, 50, 60, true, proctor.CauseOtherApp})
	if got[1].Detail != "xterm — window of xterm" {
		t.Errorf("evidence detail %q", got[1].Detail)
	}
	// An exam that blacklists the screen reader itself is obeyed.
	got = decide(t, frames(strings.Repeat("1", 40)), events[5:6], func(s *proctor.Settings) { s.BlacklistedApps = []string{"nvda"} })
	check(t, got, want{proctor.OnlineAid, 30, 39, true, proctor.CauseOtherApp})
}

// TestDefaultAppLists: the maintained blacklist flags meeting, remote
// desktop, messaging and VM apps; screen readers are allowed; the exam's
// own lists win; the defaults can be switched off.
func TestDefaultAppLists(t *testing.T) {
	s := proctor.DefaultSettings()
	for _, name := range []string{"Zoom.exe", "anydesk", "Discord", "VirtualBoxVM", "teamviewer.exe"} {
		if !s.AppBlacklisted(name) {
			t.Errorf("%s not blacklisted by default", name)
		}
	}
	for _, name := range []string{"nvda", "chromium", "xterm", "calculator"} {
		if s.AppBlacklisted(name) {
			t.Errorf("%s blacklisted by default", name)
		}
	}
	s.WhitelistedApps = []string{"zoom"}
	s.BlacklistedApps = []string{"nvda"}
	if s.AppBlacklisted("zoom") || !s.AppBlacklisted("nvda") || s.AppAllowedInFront("nvda") {
		t.Error("the exam's own lists do not win over the defaults")
	}
	s = proctor.DefaultSettings()
	s.UseDefaultApps = false
	if s.AppBlacklisted("zoom") || s.AppReported("discord") || s.AppAllowedInFront("nvda") {
		t.Error("the defaults apply although switched off")
	}
}

// TestAgentAppsAndVirtualMachine: an agent's app running from the system
// check starts with the exam; one closed before the exam is nothing; a
// virtual machine flags unless allowed.
func TestAgentAppsAndVirtualMachine(t *testing.T) {
	app := func(id int64, sec float64, name, state string) proctor.Event {
		e := agentEv(id, sec, proctor.EventApp, name)
		e.AppState = state
		return e
	}
	events := []proctor.Event{
		app(1, 1, "anydesk", "running"), app(2, 2, "anydesk", "stopped"), // closed during the system check
		app(3, 2, "discord", "running"),
		agentEv(4, 2, proctor.EventVirtualMachine, "QEMU"),
		app(5, 20, "discord", "stopped"),
	}
	sigs := frames("     " + strings.Repeat("1", 26))
	check(t, decide(t, sigs, events, nil),
		want{proctor.BlacklistedApps, 5, 20, true, ""},
		want{proctor.BlacklistedApps, 5, 30, true, ""})
	check(t, decide(t, sigs, events, func(s *proctor.Settings) { s.AllowVirtualMachine = true }),
		want{proctor.BlacklistedApps, 5, 20, true, ""})
}

// TestExtensionPages: the exam's own pages (Vigil, the LMS quiz and pages
// under it) are never Online Aid; a quiz id that only starts the same is.
func TestExtensionPages(t *testing.T) {
	nav := func(id int64, sec float64, url string) proctor.Event {
		return ev(id, sec, proctor.EventNavigate, func(e *proctor.Event) { e.Source, e.URL = "extension", url })
	}
	events := []proctor.Event{
		nav(1, 5, "https://lms.example.edu/courses/7/quizzes/5/take"),
		nav(2, 10, "https://lms.example.edu/courses/7/quizzes/50"),
		nav(3, 20, "https://vigil.example.edu/s/abc"),
		nav(4, 30, "https://docs.python.org/3/"),
		nav(5, 35, "https://lms.example.edu/courses/7/quizzes/5"),
	}
	sigs := frames(strings.Repeat("1", 41))
	in := Input{Settings: proctor.DefaultSettings(), Start: t0, End: at(40), Frames: sigs, Events: events,
		ExamURLs: []string{"https://vigil.example.edu/", "https://lms.example.edu/courses/7/quizzes/5"}}
	check(t, Decide(in),
		want{proctor.OnlineAid, 10, 20, true, proctor.CauseNavigate},
		want{proctor.OnlineAid, 30, 35, true, proctor.CauseNavigate})
	in.Settings.WhitelistedURLs = []string{"docs.python.org"}
	check(t, Decide(in), want{proctor.OnlineAid, 10, 20, true, proctor.CauseNavigate})
}

// TestKeysFromTwoSources: one press seen by the proctoring window and the
// extension counts once; presses a second apart count twice; the
// extension's keys before the exam do not count.
func TestKeysFromTwoSources(t *testing.T) {
	key := func(id int64, sec float64, source, combo string) proctor.Event {
		return ev(id, sec, proctor.EventKey, func(e *proctor.Event) { e.Source, e.Combo = source, combo })
	}
	events := []proctor.Event{
		key(1, 1, "extension", "Ctrl+C"), // before the exam
		key(2, 10, "browser", "Ctrl+C"), key(3, 10.2, "extension", "Ctrl+C"),
		key(4, 12, "extension", "Ctrl+C"),
		ev(5, 15, proctor.EventPaste, func(e *proctor.Event) { e.Source = "extension" }),
		ev(6, 15.5, proctor.EventPaste, nil),
	}
	check(t, decide(t, frames("   "+strings.Repeat("1", 18)), events, nil),
		want{proctor.Keystrokes, 10, 10, true, proctor.CauseKeyCombo},
		want{proctor.Keystrokes, 12, 12, true, proctor.CauseKeyCombo},
		want{proctor.Keystrokes, 15, 15, true, proctor.CausePaste})
}

// TestOnePasteIsOneKeystroke: a Ctrl+V seen as a key and as a paste, by the
// proctoring window and by the extension, is one violation.
func TestOnePasteIsOneKeystroke(t *testing.T) {
	from := func(id int64, sec float64, source string, kind proctor.EventKind, combo string) proctor.Event {
		return ev(id, sec, kind, func(e *proctor.Event) { e.Source, e.Combo = source, combo })
	}
	events := []proctor.Event{
		from(1, 10, "browser", proctor.EventKey, "Ctrl+V"), from(2, 10.01, "browser", proctor.EventPaste, ""),
		from(3, 10.05, "extension", proctor.EventKey, "Ctrl+V"), from(4, 10.06, "extension", proctor.EventPaste, ""),
		from(5, 20, "extension", proctor.EventPaste, ""), from(6, 20.02, "browser", proctor.EventPaste, ""),
		from(7, 30, "browser", proctor.EventKey, "Meta+V"),
	}
	check(t, decide(t, frames(strings.Repeat("1", 32)), events, nil),
		want{proctor.Keystrokes, 10, 10, true, proctor.CauseKeyCombo},
		want{proctor.Keystrokes, 20, 20, true, proctor.CausePaste},
		want{proctor.Keystrokes, 30, 30, true, proctor.CauseKeyCombo})
}

// TestEveryViolationHasAFrame: violations decided from events, not from
// frames, carry the webcam frame at their start; none when no frame is
// near.
func TestEveryViolationHasAFrame(t *testing.T) {
	events := []proctor.Event{
		ev(1, 5, proctor.EventKey, func(e *proctor.Event) { e.Combo = "Ctrl+C" }),
		agentEv(2, 8, proctor.EventApp, "discord"),
		ev(3, 40, proctor.EventKey, func(e *proctor.Event) { e.Combo = "Ctrl+C" }), // 19 s after the last frame
	}
	got := decide(t, frames(strings.Repeat("1", 21)), events, func(s *proctor.Settings) { s.BlacklistedApps = []string{"discord"} })
	byStart := map[float64]proctor.Violation{}
	for _, v := range got {
		byStart[v.Start.Sub(t0).Seconds()] = v
	}
	if v := byStart[5]; v.Type != proctor.Keystrokes || len(v.FrameSeqs) == 0 || v.FrameSeqs[0] != 5 {
		t.Errorf("key at 5 s: %+v, want the frame of second 5", v)
	}
	if v := byStart[8]; v.Type != proctor.BlacklistedApps || len(v.FrameSeqs) == 0 || v.FrameSeqs[0] != 8 || v.BeforeSeq == nil || *v.BeforeSeq != 7 {
		t.Errorf("app at 8 s: %+v, want frames from second 8 with second 7 before", v)
	}
	if v := byStart[40]; v.Type != proctor.Keystrokes || len(v.Snapshots()) != 0 {
		t.Errorf("key at 40 s, far from any frame: %+v, want no snapshot", v)
	}
}
