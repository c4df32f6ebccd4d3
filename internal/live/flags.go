package live

import (
	"fmt"

	"vigil/internal/proctor"
)

// EventFlag says whether a captured event is a possible violation worth
// showing at once, and as what. It reads the event alone: whether it
// counts (an allowed app, a short absence) is for the rules afterwards.
func EventFlag(e *proctor.Event) (Flag, bool) {
	f := Flag{At: e.At}
	switch e.Kind {
	case proctor.EventHidden:
		f.Type, f.Text = proctor.OnlineAid, "the exam page was hidden (another tab or window)"
	case proctor.EventFocusLost:
		f.Type, f.Text = proctor.OnlineAid, "the exam window lost focus"
	case proctor.EventFullscreenExit:
		f.Type, f.Text = proctor.OnlineAid, "left full screen"
	case proctor.EventNavigate:
		f.Type, f.Text = proctor.OnlineAid, "opened "+e.URL
	case proctor.EventForeground:
		f.Type, f.Text = proctor.OnlineAid, "switched to "+e.Name
	case proctor.EventKey:
		f.Type, f.Text = proctor.Keystrokes, "pressed "+e.Combo
	case proctor.EventPaste:
		f.Type, f.Text = proctor.Keystrokes, "pasted into the page"
	case proctor.EventScreenShareEnd:
		f.Type, f.Text = proctor.BlacklistedApps, "stopped sharing the screen"
	case proctor.EventScreenShare:
		if e.Surface == "" || e.Surface == "monitor" {
			return f, false
		}
		f.Type, f.Text = proctor.BlacklistedApps, "shared a "+e.Surface+" instead of the whole screen"
	case proctor.EventScreens:
		if e.Count <= 1 {
			return f, false
		}
		f.Type, f.Text = proctor.BlacklistedApps, fmt.Sprintf("%d screens connected", e.Count)
	case proctor.EventVirtualMachine:
		f.Type, f.Text = proctor.BlacklistedApps, "running in a virtual machine"
	case proctor.EventDevice:
		if e.AppState != "lost" && e.AppState != "denied" && e.AppState != "error" {
			return f, false
		}
		f.Type, f.Text = proctor.LeftSession, "the "+e.Name+" was "+deviceState(e.AppState)
	default:
		return f, false
	}
	f.Label = f.Type.Label()
	return f, true
}

func deviceState(s string) string {
	switch s {
	case "lost":
		return "lost"
	case "denied":
		return "refused permission"
	}
	return "in error"
}
