package analysis

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"vigil/internal/proctor"
)

// awayKinds pairs each "left the exam" event with the event that ends it.
var awayKinds = map[proctor.EventKind]struct {
	end   proctor.EventKind
	cause proctor.Cause
}{
	proctor.EventFocusLost:      {proctor.EventFocusGained, proctor.CauseFocus},
	proctor.EventHidden:         {proctor.EventVisible, proctor.CauseHidden},
	proctor.EventFullscreenExit: {proctor.EventFullscreenEnter, proctor.CauseFullExit},
}

// focusRule finds the spans when the student was away from the exam: from
// the first of focus lost, page hidden or fullscreen left, until all of them
// have been undone. A span still open at the end lasts until the last capture.
func focusRule(in Input) []proctor.Violation {
	var out []proctor.Violation
	open := map[proctor.EventKind]bool{} // away kinds currently in effect
	var cur *proctor.Violation
	for _, e := range in.Events {
		if a, ok := awayKinds[e.Kind]; ok {
			if cur == nil {
				cur = &proctor.Violation{Type: proctor.OnlineAid, Start: e.At, Cause: a.cause, Rule: "online_aid.min_seconds", Confidence: 1}
			}
			open[e.Kind] = true
			cur.EventIDs = append(cur.EventIDs, e.ID)
			continue
		}
		started := startOf(e.Kind)
		if cur == nil || !open[started] {
			continue
		}
		delete(open, started)
		cur.EventIDs = append(cur.EventIDs, e.ID)
		if len(open) == 0 {
			out = append(out, closeAway(in, cur, e.At))
			cur = nil
		}
	}
	if cur != nil {
		out = append(out, closeAway(in, cur, later(in.End, cur.Start)))
	}
	return out
}

// startOf returns the away kind that an ending event undoes ("" if none).
func startOf(end proctor.EventKind) proctor.EventKind {
	for k, a := range awayKinds {
		if a.end == end {
			return k
		}
	}
	return ""
}

func closeAway(in Input, v *proctor.Violation, end time.Time) proctor.Violation {
	v.End = end
	if v.Cause == proctor.CauseNavigate || v.Cause == proctor.CauseOtherApp {
		clipToExam(in, v)
	}
	judgeDuration(v, &in.Settings.OnlineAid, "away from the exam ("+v.Cause.Label()+")")
	return *v
}

// keyRule reports every blacklisted key combination and, when paste is
// blacklisted, every paste however it was done (menu, drag, shortcut).
func keyRule(in Input) []proctor.Violation {
	var out []proctor.Violation
	var counted []proctor.Event // keys and pastes counted, to drop another source's copy
	for _, e := range in.Events {
		if (e.Kind != proctor.EventKey && e.Kind != proctor.EventPaste) || beforeExam(in, e) || duplicateKey(counted, e) {
			continue
		}
		v := proctor.Violation{Type: proctor.Keystrokes, Start: e.At, End: e.At, Confidence: 1,
			Applied: true, Evidence: proctor.Evidence{EventIDs: []int64{e.ID}}}
		switch {
		case e.Kind == proctor.EventKey && in.Settings.KeyBlacklisted(e.Combo):
			v.Rule, v.Cause, v.Detail = "keystrokes.blacklisted_keys", proctor.CauseKeyCombo, e.Combo
			v.Reason = e.Combo + " is on the exam's list of blacklisted keys"
		case e.Kind == proctor.EventPaste && in.Settings.PasteBlacklisted():
			v.Rule, v.Cause, v.Detail = "keystrokes.paste", proctor.CausePaste, "paste"
			v.Reason = "pasting is not allowed in this exam"
		default:
			continue
		}
		counted = append(counted, e)
		out = append(out, v)
	}
	return out
}

// appRules reports blacklisted apps while they run, screen shares of less
// than the whole screen, and extra displays unless the exam allows them.
func appRules(in Input) []proctor.Violation {
	var out []proctor.Violation
	running := map[string]*proctor.Violation{}
	var share, screens, vm *proctor.Violation
	for _, e := range in.Events {
		switch e.Kind {
		case proctor.EventApp:
			out = appEvent(in, e, running, out)
		case proctor.EventVirtualMachine:
			if vm == nil {
				vm = vmViolation(in, e)
			}
		case proctor.EventScreenShare:
			if e.Surface != "monitor" && share == nil {
				share = pointApp(e, "apps.screen_share", "shared a "+e.Surface+" instead of the whole screen")
			} else if e.Surface == "monitor" && share != nil {
				out, share = append(out, endApp(share, e)), nil
			}
		case proctor.EventScreens:
			if e.Count > 1 && !in.Settings.AllowMultipleScreens && screens == nil {
				screens = pointApp(e, "apps.multiple_screens", fmt.Sprintf("%d displays connected", e.Count))
			} else if e.Count <= 1 && screens != nil {
				out, screens = append(out, endApp(screens, e)), nil
			}
		}
	}
	for _, v := range []*proctor.Violation{share, screens, vm} {
		if v != nil {
			v.End = later(in.End, v.Start)
			out = append(out, *v)
		}
	}
	for _, name := range sortedKeys(running) {
		v := running[name]
		v.End = later(in.End, v.Start)
		out = append(out, *v)
	}
	return out
}

func appEvent(in Input, e proctor.Event, running map[string]*proctor.Violation, out []proctor.Violation) []proctor.Violation {
	name := proctor.AppKey(e.Name)
	if e.AppState == "stopped" {
		if v, ok := running[name]; ok && !e.At.Before(v.Start) { // closed before the exam began: nothing
			out = append(out, endApp(v, e))
		}
		delete(running, name)
		return out
	}
	if _, ok := running[name]; ok || !in.Settings.AppBlacklisted(e.Name) {
		return out
	}
	running[name] = pointApp(e, "apps.blacklisted_apps", e.Name+" is on the exam's list of blacklisted apps")
	startWithExam(in, e, running[name])
	return out
}

func pointApp(e proctor.Event, rule, reason string) *proctor.Violation {
	return &proctor.Violation{Type: proctor.BlacklistedApps, Start: e.At, End: e.At, Confidence: 1, Applied: true,
		Rule: rule, Reason: reason, Evidence: proctor.Evidence{EventIDs: []int64{e.ID}, Detail: e.Name}}
}

func endApp(v *proctor.Violation, e proctor.Event) proctor.Violation {
	v.End = e.At
	v.EventIDs = append(v.EventIDs, e.ID)
	return *v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// navigateRule flags browsing to pages that are not allowed: from a
// navigation to a URL off the exam's whitelist until the next navigation to
// an allowed one (or the end). Navigation events come from the browser
// extension; without it there are none.
func navigateRule(in Input) []proctor.Violation {
	var out []proctor.Violation
	var cur *proctor.Violation
	for _, e := range in.Events {
		if e.Kind != proctor.EventNavigate {
			continue
		}
		allowed := urlAllowed(in.Settings.WhitelistedURLs, e.URL) || examPage(in.ExamURLs, e.URL)
		if cur != nil && (allowed || e.URL != cur.Detail) {
			out = append(out, closeAway(in, cur, e.At))
			cur = nil
		}
		if !allowed && cur == nil {
			cur = &proctor.Violation{Type: proctor.OnlineAid, Start: e.At, Cause: proctor.CauseNavigate, Rule: "online_aid.whitelisted_urls",
				Confidence: 1, Evidence: proctor.Evidence{EventIDs: []int64{e.ID}, Detail: e.URL}}
		}
	}
	if cur != nil {
		out = append(out, closeAway(in, cur, later(in.End, cur.Start)))
	}
	return out
}

// urlAllowed matches a URL against whitelist entries: an entry with a
// scheme is a prefix ("https://lms.example.edu/courses/1/quizzes/"), one
// without is a host or a host suffix ("docs.python.org", ".example.edu").
func urlAllowed(list []string, raw string) bool {
	u, err := url.Parse(raw)
	host := ""
	if err == nil {
		host = strings.ToLower(u.Hostname())
	}
	for _, entry := range list {
		e := strings.ToLower(strings.TrimSpace(entry))
		switch {
		case e == "":
		case strings.Contains(e, "://"):
			if strings.HasPrefix(strings.ToLower(raw), e) {
				return true
			}
		case strings.HasPrefix(e, "."):
			if strings.HasSuffix(host, e) || host == e[1:] {
				return true
			}
		case host == e:
			return true
		}
	}
	return false
}
