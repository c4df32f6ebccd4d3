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

// FrameFlags says which of a batch of analysed webcam frames are worth
// showing at once: where the view changes, not every frame of it (a
// student away for ten minutes is one flag, not six hundred). prevFaces is
// the face count of the frame before the batch, hadPrev whether there was
// one. Like EventFlag it reads the frames alone; the rules decide later
// what counts (a brief absence, an allowed second face).
func FrameFlags(prevFaces int, hadPrev bool, sigs []proctor.FrameSignal) []Flag {
	var flags []Flag
	for _, s := range sigs {
		if !s.OK {
			continue
		}
		switch {
		case s.Faces == 0 && (!hadPrev || prevFaces > 0):
			flags = append(flags, Flag{Type: proctor.LeftSession, Text: "no one in front of the camera", At: s.CapturedAt})
		case s.Faces > 1 && prevFaces <= 1:
			flags = append(flags, Flag{Type: proctor.MultiplePeople, Text: fmt.Sprintf("%d faces in view", s.Faces), At: s.CapturedAt})
		}
		if s.Identity == proctor.MatchDifferent {
			flags = append(flags, Flag{Type: proctor.DifferentPerson, Text: "the face does not match the onboarding photo", At: s.CapturedAt})
		}
		prevFaces, hadPrev = s.Faces, true
	}
	for i := range flags {
		flags[i].Label = flags[i].Type.Label()
	}
	return flags
}
