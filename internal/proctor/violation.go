package proctor

import "time"

// ViolationType is one of the nine kinds of incident Vigil reports: the
// eight of docs/PRODUCT.md and Different Person, the identity check.
type ViolationType string

// The violation types of docs/PRODUCT.md, in the order the dashboard lists them.
const (
	OnlineAid        ViolationType = "online_aid"
	LeftSession      ViolationType = "left_session"
	FacialSuspicion  ViolationType = "facial_suspicion"
	MultiplePeople   ViolationType = "multiple_people"
	BackgroundMotion ViolationType = "background_motion"
	BackgroundAudio  ViolationType = "background_audio"
	Keystrokes       ViolationType = "keystrokes"
	BlacklistedApps  ViolationType = "blacklisted_apps"
	// DifferentPerson: an identity scan, or the face in sampled webcam
	// frames, is someone other than the student of the onboarding photo.
	DifferentPerson ViolationType = "different_person"
)

// ViolationTypes lists every type in display order.
var ViolationTypes = []ViolationType{
	OnlineAid, LeftSession, FacialSuspicion, MultiplePeople,
	BackgroundMotion, BackgroundAudio, Keystrokes, BlacklistedApps, DifferentPerson,
}

var violationLabels = map[ViolationType]string{
	OnlineAid:        "Online Aid",
	LeftSession:      "Left Session",
	FacialSuspicion:  "Facial Suspicion",
	MultiplePeople:   "Multiple People",
	BackgroundMotion: "Background Motion",
	BackgroundAudio:  "Background Audio",
	Keystrokes:       "Keystrokes",
	BlacklistedApps:  "Blacklisted Apps",
	DifferentPerson:  "Different Person",
}

var violationHelp = map[ViolationType]string{
	OnlineAid:        "The student left the exam page for other applications or web content.",
	LeftSession:      "No face was visible to the webcam: the student got up, turned away, or the room was too dark.",
	FacialSuspicion:  "The student looked away from the screen or turned their head for longer than normal.",
	MultiplePeople:   "More than one face was visible.",
	BackgroundMotion: "Significant movement was seen in the background.",
	BackgroundAudio:  "Voice or loud sound was heard; keyboard tapping is filtered out.",
	Keystrokes:       "A blacklisted key combination (copy, paste, print, …) was pressed.",
	BlacklistedApps:  "A banned application ran, or a screen other than the whole screen was shared.",
	DifferentPerson:  "The face on an identity scan, or at the webcam during the exam, did not match the student's onboarding photo.",
}

// Label is the type's name as instructors read it.
func (t ViolationType) Label() string {
	if l, ok := violationLabels[t]; ok {
		return l
	}
	return string(t)
}

// Help says in one sentence what the type means.
func (t ViolationType) Help() string { return violationHelp[t] }

// Valid reports whether t is one of the nine types.
func (t ViolationType) Valid() bool {
	_, ok := violationLabels[t]
	return ok
}

// Cause names why a violation happened when the type alone does not say it,
// so that an environment problem is not read as cheating.
type Cause string

// Causes.
const (
	CauseNone     Cause = ""
	CauseNoFace   Cause = "no_face"
	CauseTooDark  Cause = "too_dark"
	CauseFocus    Cause = "focus_lost"
	CauseHidden   Cause = "page_hidden"
	CauseFullExit Cause = "fullscreen_exit"
	CauseKeyCombo Cause = "key_combo"
	CausePaste    Cause = "paste"
	CauseGaze     Cause = "eyes_off_screen"
	CauseHeadTurn Cause = "head_turned"
	CauseHeadDown Cause = "head_down"
	CauseMotion   Cause = "background_motion"
	CauseVoice    Cause = "voice"
	CauseNoise    Cause = "loud_noise"
	CauseNavigate Cause = "navigated_away"
	CauseOtherApp Cause = "other_app"
	// CauseScan: an identity scan before the exam showed someone else;
	// CauseWebcam: sampled webcam frames during the exam did.
	CauseScan   Cause = "identity_scan"
	CauseWebcam Cause = "identity_webcam"
)

// Label is the cause as shown to a reviewer.
func (c Cause) Label() string {
	switch c {
	case CauseNoFace:
		return "no face visible"
	case CauseTooDark:
		return "room too dark to see a face (an environment problem, not evidence of leaving)"
	case CauseFocus:
		return "exam window lost focus"
	case CauseHidden:
		return "exam page hidden"
	case CauseFullExit:
		return "left fullscreen"
	case CauseKeyCombo:
		return "key combination"
	case CausePaste:
		return "paste"
	case CauseGaze:
		return "eyes turned away from the screen"
	case CauseHeadTurn:
		return "head turned away from the screen"
	case CauseHeadDown:
		return "head tilted down (looking at a desk or lap)"
	case CauseMotion:
		return "movement behind the student"
	case CauseVoice:
		return "a voice"
	case CauseNoise:
		return "loud sustained sound (not a voice)"
	case CauseNavigate:
		return "browsed to a page that is not allowed"
	case CauseOtherApp:
		return "used an application that is not allowed"
	case CauseScan:
		return "an identity scan before the exam"
	case CauseWebcam:
		return "the webcam during the exam"
	}
	return string(c)
}

// Decision is the instructor's judgement of one violation.
type Decision string

// Decisions.
const (
	DecisionPending   Decision = ""
	DecisionConfirmed Decision = "confirmed"
	DecisionExcused   Decision = "excused"
)

// Valid reports whether d is a decision an instructor can make (or clear).
func (d Decision) Valid() bool {
	return d == DecisionPending || d == DecisionConfirmed || d == DecisionExcused
}

// Label is the decision as shown.
func (d Decision) Label() string {
	switch d {
	case DecisionConfirmed:
		return "Confirmed"
	case DecisionExcused:
		return "Excused"
	}
	return "Not reviewed"
}

// Evidence points at what a violation was decided from.
type Evidence struct {
	FrameSeqs []int64 `json:"frame_seqs,omitempty"` // webcam frames inside the span (a sample)
	// BeforeSeq and AfterSeq are the frames just before and after the span,
	// shown for context; nil when there is none.
	BeforeSeq *int64  `json:"before_seq,omitempty"`
	AfterSeq  *int64  `json:"after_seq,omitempty"`
	EventIDs  []int64 `json:"event_ids,omitempty"`
	Detail    string  `json:"detail,omitempty"` // e.g. the key combination or app name
	// PhotoIDs are identity photos shown as evidence: for Different
	// Person, the scan (if a scan was flagged) and the onboarding photo it
	// was compared with.
	PhotoIDs []int64 `json:"photo_ids,omitempty"`
}

// Snapshot is one frame to show for a violation, with where it lies.
type Snapshot struct {
	Seq   int64
	Where string // "before", "during" or "after"
}

// Snapshots lists the evidence frames in order: before, during, after.
func (e *Evidence) Snapshots() []Snapshot {
	var out []Snapshot
	if e.BeforeSeq != nil {
		out = append(out, Snapshot{*e.BeforeSeq, "before"})
	}
	for _, s := range e.FrameSeqs {
		out = append(out, Snapshot{s, "during"})
	}
	if e.AfterSeq != nil {
		out = append(out, Snapshot{*e.AfterSeq, "after"})
	}
	return out
}

// Violation is one incident, decided by the rules from signals. Start and End
// are capture times (the client's clock), like the signals they come from.
type Violation struct {
	ID         int64
	SessionID  int64
	Type       ViolationType
	Start, End time.Time
	Confidence float64 // 0–1
	// Applied says whether the rules count it; Rule names the rule that
	// decided, Reason says why in words (also when not applied).
	Applied bool
	Rule    string
	Reason  string
	Cause   Cause
	Evidence
	Decision     Decision
	DecisionNote string
	DecidedBy    int64
	DecidedAt    time.Time
}

// Duration is the violation's length.
func (v *Violation) Duration() time.Duration { return v.End.Sub(v.Start) }

// Key identifies a violation across re-decisions, so an instructor's decision
// survives when the rules run again over the same signals.
func (v *Violation) Key() string {
	return string(v.Type) + "@" + v.Start.UTC().Format(time.RFC3339Nano)
}
