package analysis

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"vigil/internal/proctor"
)

// The rules over what the companions report (docs/COMPANIONS.md): the
// desktop agent's app in front, its signs of a virtual machine, and the
// extension's pages; app and key events go through the rules every source
// shares (appRules, keyRule).

// foregroundRule flags the time another application is in front: from an
// agent's foreground event naming an app the exam does not allow (neither
// a browser — the exam's — nor a whitelisted app or screen reader) until
// an allowed app comes back in front.
func foregroundRule(in Input) []proctor.Violation {
	var out []proctor.Violation
	var cur *proctor.Violation
	for _, e := range in.Events {
		if e.Kind != proctor.EventForeground {
			continue
		}
		allowed := in.Settings.AppAllowedInFront(e.Name)
		if cur != nil && (allowed || proctor.AppKey(e.Name) != proctor.AppKey(cur.Detail)) {
			out = append(out, closeAway(in, cur, e.At))
			cur = nil
		}
		if !allowed && cur == nil {
			cur = &proctor.Violation{Type: proctor.OnlineAid, Start: e.At, Cause: proctor.CauseOtherApp, Rule: "online_aid.whitelisted_apps",
				Confidence: 1, Evidence: proctor.Evidence{EventIDs: []int64{e.ID}, Detail: appDetail(e)}}
		}
	}
	if cur != nil {
		out = append(out, closeAway(in, cur, later(in.End, cur.Start)))
	}
	return out
}

// appDetail names an app in front, with its window title when sent.
func appDetail(e proctor.Event) string {
	if e.Title == "" {
		return e.Name
	}
	return e.Name + " — " + e.Title
}

// vmViolation flags a computer the agent found to be a virtual machine,
// from the first sign to the end, unless the exam allows one.
func vmViolation(in Input, e proctor.Event) *proctor.Violation {
	if in.Settings.AllowVirtualMachine {
		return nil
	}
	v := pointApp(e, "apps.virtual_machine", "the exam runs in a virtual machine ("+e.Name+")")
	startWithExam(in, e, v)
	return v
}

// startWithExam starts an incident the agent saw before the exam began at
// the exam's start.
func startWithExam(in Input, e proctor.Event, v *proctor.Violation) {
	if beforeExam(in, e) {
		v.Start, v.End = in.ExamStart, in.ExamStart
	}
}

// clipToExam starts a companion's incident no earlier than the exam: a
// student setting up during the system check is not away from the exam.
func clipToExam(in Input, v *proctor.Violation) {
	if !in.ExamStart.IsZero() && v.Start.Before(in.ExamStart) {
		v.Start = in.ExamStart
		if v.End.Before(v.Start) {
			v.End = v.Start
		}
	}
}

// beforeExam reports whether a companion's event came before the exam began.
func beforeExam(in Input, e proctor.Event) bool {
	return proctor.CompanionSource(e.Source) && !in.ExamStart.IsZero() && e.At.Before(in.ExamStart)
}

// examPage reports whether raw is one of the exam's own pages: an entry
// matches itself and the pages under it ("…/quizzes/5" matches
// "…/quizzes/5/take" but not "…/quizzes/50").
func examPage(pages []string, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for _, p := range pages {
		pu, err := url.Parse(p)
		if err != nil || !strings.EqualFold(pu.Scheme, u.Scheme) || !strings.EqualFold(pu.Host, u.Host) {
			continue
		}
		base := strings.TrimRight(pu.Path, "/")
		if u.Path == base || strings.HasPrefix(u.Path, base+"/") {
			return true
		}
	}
	return false
}

// sameKeyWindow is how close two reports of one key press from two sources
// (the proctoring window and the extension) must be to count once.
const sameKeyWindow = time.Second

// duplicateKey reports whether e repeats a key press or paste already
// counted within sameKeyWindow: the same combination from another source
// (the proctoring window and the extension both saw it), or a paste and
// the paste shortcut that made it (one action, reported as a key and as a
// paste, by one source or two).
func duplicateKey(counted []proctor.Event, e proctor.Event) bool {
	for i := len(counted) - 1; i >= 0; i-- {
		c := counted[i]
		if e.At.Sub(c.At) > sameKeyWindow {
			return false
		}
		if c.Kind == e.Kind && c.Combo == e.Combo && c.Source != e.Source {
			return true
		}
		if e.At.Sub(c.At) <= pasteKeyWindow && (pasteAndItsKey(c, e) || pasteAndItsKey(e, c)) {
			return true
		}
	}
	return false
}

// pasteKeyWindow is how close a paste and its shortcut must be to be one
// action: the browser fires both within milliseconds of the key press.
const pasteKeyWindow = 500 * time.Millisecond

// pasteKeys are the shortcuts that paste on Windows, Linux and macOS.
var pasteKeys = []string{"Ctrl+V", "Meta+V", "Shift+Insert", "Ctrl+Shift+V", "Shift+Meta+V"}

func pasteAndItsKey(paste, key proctor.Event) bool {
	return paste.Kind == proctor.EventPaste && key.Kind == proctor.EventKey && slices.Contains(pasteKeys, key.Combo)
}
