package proctor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rule is the instructor's switch and thresholds for one violation type.
type Rule struct {
	Enabled bool `json:"enabled"`
	// MinSeconds is how long a condition must last before it counts.
	MinSeconds float64 `json:"min_seconds"`
	// Threshold is the type's sensitivity, where it has one (lower is more
	// sensitive): the gaze shift from the student's own baseline for Facial
	// Suspicion, the moving share of the background for Background Motion,
	// the speech probability for Background Audio. 0 means the default.
	Threshold float64 `json:"threshold,omitempty"`
}

// Default sensitivities (Rule.Threshold), chosen from the measurements in
// docs/DETECTION.md.
const (
	// DefaultGazeShift is the deviation of gaze.Pose.GazeX (inter-ocular
	// units) from the student's own baseline beyond which a frame counts
	// as looking aside: about three standard deviations of the noisiest
	// centre sequence measured, midway between the largest centre
	// deviation (0.047) and the smallest look-aside one (0.092)
	// (analysis/gaze/MEASUREMENTS.md). The rule requires it over several
	// consecutive frames (seconds), not in one frame.
	DefaultGazeShift   = 0.07
	DefaultMotionShare = 0.15 // share of the background changing between frames
	// DefaultSpeechProb is the Silero VAD probability a voice needs (the
	// best 32 ms frame of a window): 0.5 is the model authors' own default
	// for a speech frame. Measured: typing and every non-speech file peak
	// at 0.02-0.17; speech files' voiced windows mostly peak above 0.8
	// (analysis/voice/MEASUREMENTS.md).
	DefaultSpeechProb = 0.5

	// DefaultHeadTurnDegrees is how far, in degrees, the head must turn to
	// either side of the student's own usual pose for a frame to count as
	// looking away (Facial Suspicion). Measured (docs/DETECTION.md): the
	// head-pose model reads faces turned about 15° at 10–23° and about 45°
	// at 40–60°; a laptop screen spans about ±20° at arm's length.
	DefaultHeadTurnDegrees = 35
	// DefaultHeadDownDegrees is how far the head must tilt down (nose down)
	// from the student's usual pose to count as looking away: people
	// reading a paper or looking at a desk read 30–40° nose down.
	DefaultHeadDownDegrees = 25
)

// HeadTurn is the head-turn threshold in degrees (the default when unset).
func (s Settings) HeadTurn() float64 { return or(s.HeadTurnDegrees, DefaultHeadTurnDegrees) }

// HeadDown is the head-down threshold in degrees (the default when unset).
func (s Settings) HeadDown() float64 { return or(s.HeadDownDegrees, DefaultHeadDownDegrees) }

func or(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}

// ThresholdOr returns the rule's threshold, or def when it is unset.
func (r *Rule) ThresholdOr(def float64) float64 {
	if r.Threshold > 0 {
		return r.Threshold
	}
	return def
}

// Policy turns applied violations into the automated Pass/Fail: a session
// fails when any type in FailAtOnce was applied, or when the flagged time —
// each type's share of the session, weighted — reaches FailShare. Excused
// violations (after review) and "too dark" absences never count.
type Policy struct {
	FailAtOnce []ViolationType           `json:"fail_at_once"`
	Weights    map[ViolationType]float64 `json:"weights"`
	// FailShare is the weighted share of the session's time (0–1) that fails it.
	FailShare float64 `json:"fail_share"`
	// PointSeconds is the time a momentary violation (a key press, a paste)
	// counts for.
	PointSeconds float64 `json:"point_seconds"`
}

// Settings are an exam's proctoring settings. The JSON names are the ones
// scenarios and the API use; absent fields keep their defaults.
type Settings struct {
	Proctoring       bool `json:"proctoring"`
	OnlineAid        Rule `json:"online_aid"`
	LeftSession      Rule `json:"left_session"`
	FacialSuspicion  Rule `json:"facial_suspicion"`
	MultiplePeople   Rule `json:"multiple_people"`
	BackgroundMotion Rule `json:"background_motion"`
	BackgroundAudio  Rule `json:"background_audio"`
	Keystrokes       Rule `json:"keystrokes"`
	AppsRule         Rule `json:"apps_rule"`
	// DifferentPerson: a flagged identity scan always applies; in the
	// exam, the webcam must show someone else in identity checks spanning
	// MinSeconds (2 s: two checks in a row at one frame per second).
	DifferentPerson Rule `json:"different_person"`

	// HeadTurnDegrees and HeadDownDegrees are Facial Suspicion's head-pose
	// thresholds: the head turned more than this many degrees to either
	// side, or tilted down more than this, from the student's own usual
	// pose, for at least the rule's minimum duration. 0 means the default.
	HeadTurnDegrees float64 `json:"head_turn_degrees"`
	HeadDownDegrees float64 `json:"head_down_degrees"`

	// DarkLuma is the mean frame brightness (0–255) under which a missing
	// face is blamed on the room being too dark.
	DarkLuma float64 `json:"dark_luma"`

	BlacklistedKeys []string `json:"blacklisted_keys"`
	BlacklistedApps []string `json:"blacklisted_apps"`
	WhitelistedApps []string `json:"whitelisted_apps"`
	WhitelistedURLs []string `json:"whitelisted_urls"`
	// UseDefaultApps adds Vigil's maintained app lists (DefaultBlacklist,
	// DefaultAllowed) to the exam's own.
	UseDefaultApps bool `json:"use_default_apps"`
	// AllowMultipleScreens switches off the flag for more than one display.
	AllowMultipleScreens bool `json:"allow_multiple_screens"`
	// AllowVirtualMachine switches off the flag for a computer the desktop
	// agent finds to be a virtual machine.
	AllowVirtualMachine bool `json:"allow_virtual_machine"`
	// RequireAgent and RequireExtension make the student connect the
	// desktop agent or the browser extension before the exam can start
	// (docs/COMPANIONS.md).
	RequireAgent       bool `json:"require_agent"`
	RequireExtension   bool `json:"require_extension"`
	RequireScreenShare bool `json:"require_screen_share"`
	// QuizInWindow says the quiz is taken inside the proctoring window
	// (fullscreen), so that window's own focus, visibility and fullscreen
	// are Online Aid signals. Off by default: the quiz stays in the LMS in
	// another tab, and only the companions can tell where the student is.
	QuizInWindow bool `json:"quiz_in_window"`

	IdentityFace bool `json:"identity_face"`
	IdentityID   bool `json:"identity_id"`
	IdentityRoom bool `json:"identity_room"`

	// FrameIntervalSeconds is how often the client sends a webcam frame.
	FrameIntervalSeconds float64 `json:"frame_interval_seconds"`

	Policy Policy `json:"policy"`
}

// DefaultBlacklistedKeys: copy, cut, paste, print, print-screen, select-all
// and the developer tools, on Windows/Linux and macOS keyboards.
var DefaultBlacklistedKeys = []string{
	"Ctrl+C", "Ctrl+X", "Ctrl+V", "Ctrl+P", "Ctrl+A", "PrintScreen", "F12", "Ctrl+Shift+I", "Ctrl+Shift+J",
	"Meta+C", "Meta+X", "Meta+V", "Meta+P", "Meta+A", "Alt+Meta+I", "Alt+Meta+J", "Shift+Meta+3", "Shift+Meta+4",
}

// DefaultSettings are the defaults of docs/PRODUCT.md.
func DefaultSettings() Settings {
	on := func(sec float64) Rule { return Rule{Enabled: true, MinSeconds: sec} }
	return Settings{
		Proctoring:       true,
		OnlineAid:        on(2),
		LeftSession:      on(5),
		FacialSuspicion:  on(5),
		MultiplePeople:   on(2),
		BackgroundMotion: on(2),
		BackgroundAudio:  on(1),
		Keystrokes:       on(0),
		AppsRule:         on(0),
		DifferentPerson:  on(2),
		HeadTurnDegrees:  DefaultHeadTurnDegrees,
		HeadDownDegrees:  DefaultHeadDownDegrees,
		DarkLuma:         20,
		BlacklistedKeys:  slices.Clone(DefaultBlacklistedKeys),
		BlacklistedApps:  []string{},
		WhitelistedApps:  []string{},
		WhitelistedURLs:  []string{},
		UseDefaultApps:   true,
		IdentityFace:     true,
		IdentityID:       true,

		FrameIntervalSeconds: 1,
		Policy: Policy{
			FailAtOnce:   []ViolationType{MultiplePeople, BlacklistedApps, DifferentPerson},
			Weights:      map[ViolationType]float64{},
			FailShare:    0.15,
			PointSeconds: 10,
		},
	}
}

// ParseSettings reads settings JSON over the defaults and validates them.
// Unknown fields are refused so a typo does not silently keep a default.
func ParseSettings(data []byte) (Settings, error) {
	s := DefaultSettings()
	if len(bytes.TrimSpace(data)) == 0 {
		return s, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, E(CodeInvalid, "exam settings: %s", strings.TrimPrefix(err.Error(), "json: ")).Wrap(err)
	}
	return s, s.Validate()
}

// Rule returns the rule for a violation type.
func (s *Settings) Rule(t ViolationType) *Rule {
	switch t {
	case OnlineAid:
		return &s.OnlineAid
	case LeftSession:
		return &s.LeftSession
	case FacialSuspicion:
		return &s.FacialSuspicion
	case MultiplePeople:
		return &s.MultiplePeople
	case BackgroundMotion:
		return &s.BackgroundMotion
	case BackgroundAudio:
		return &s.BackgroundAudio
	case Keystrokes:
		return &s.Keystrokes
	case BlacklistedApps:
		return &s.AppsRule
	case DifferentPerson:
		return &s.DifferentPerson
	}
	return nil
}

// Validate refuses settings no exam could run with.
func (s *Settings) Validate() error {
	for _, t := range ViolationTypes {
		r := s.Rule(t)
		if r.MinSeconds < 0 || r.MinSeconds > 3600 {
			return E(CodeInvalid, "%s: min_seconds must be between 0 and 3600", t)
		}
		if r.Threshold < 0 || r.Threshold > 1 {
			return E(CodeInvalid, "%s: threshold must be between 0 and 1", t)
		}
	}
	for _, d := range []struct {
		name string
		v    float64
	}{{"head_turn_degrees", s.HeadTurnDegrees}, {"head_down_degrees", s.HeadDownDegrees}} {
		if d.v != 0 && (d.v < 5 || d.v > 90) {
			return E(CodeInvalid, "%s must be between 5 and 90 degrees", d.name)
		}
	}
	if s.DarkLuma < 0 || s.DarkLuma > 255 {
		return E(CodeInvalid, "dark_luma must be between 0 and 255")
	}
	if s.FrameIntervalSeconds < 0.2 || s.FrameIntervalSeconds > 60 {
		return E(CodeInvalid, "frame_interval_seconds must be between 0.2 and 60")
	}
	for _, k := range s.BlacklistedKeys {
		if NormalizeCombo(k) == "" {
			return E(CodeInvalid, "blacklisted key %q is not a key combination", k)
		}
	}
	return s.Policy.validate()
}

func (p *Policy) validate() error {
	for _, t := range p.FailAtOnce {
		if !t.Valid() {
			return E(CodeInvalid, "policy: unknown violation type %q in fail_at_once", t)
		}
	}
	for t, w := range p.Weights {
		if !t.Valid() || w < 0 {
			return E(CodeInvalid, "policy: weight for %q must be a known type and not negative", t)
		}
	}
	if p.FailShare <= 0 || p.FailShare > 1 {
		return E(CodeInvalid, "policy: fail_share must be above 0 and at most 1")
	}
	if p.PointSeconds < 0 || p.PointSeconds > 600 {
		return E(CodeInvalid, "policy: point_seconds must be between 0 and 600")
	}
	return nil
}

// Weight is a type's weight in the policy (1 unless set).
func (p *Policy) Weight(t ViolationType) float64 {
	if w, ok := p.Weights[t]; ok {
		return w
	}
	return 1
}

// KeyBlacklisted reports whether a normalised combination is blacklisted.
func (s *Settings) KeyBlacklisted(combo string) bool {
	for _, k := range s.BlacklistedKeys {
		if NormalizeCombo(k) == combo {
			return true
		}
	}
	return false
}

// PasteBlacklisted reports whether paste (by any means) is blacklisted: it is
// whenever a paste combination is.
func (s *Settings) PasteBlacklisted() bool {
	return s.KeyBlacklisted("Ctrl+V") || s.KeyBlacklisted("Meta+V")
}

// Summary is a one-line description for the course dashboard.
func (s *Settings) Summary() string {
	if !s.Proctoring {
		return "Proctoring off"
	}
	var on []string
	for _, t := range ViolationTypes {
		if s.Rule(t).Enabled {
			on = append(on, t.Label())
		}
	}
	return fmt.Sprintf("Proctored: %d of %d checks on", len(on), len(ViolationTypes))
}

// Accommodation adjusts an exam's rules for one student: checks switched
// off (a student who cannot look at the screen steadily, a noisy shared
// home), apps allowed (a screen reader, dictation software) and the key
// combinations that assistive technology needs (a screen reader's
// commands, speech input's "paste that"), which are then not flagged.
type Accommodation struct {
	ExamID      int64
	StudentID   int64
	Off         []ViolationType
	AllowedApps []string
	AllowedKeys []string
	Note        string
	UpdatedBy   int64
	UpdatedAt   time.Time
}

// otherKeyboard is a normalised combination as the other kind of keyboard
// types it: Ctrl+V on a Mac is Meta+V (Cmd+V), and the other way round.
func otherKeyboard(combo string) string {
	parts := strings.Split(combo, "+")
	for i, m := range parts[:len(parts)-1] { // the modifiers, before the key
		switch m {
		case "Ctrl":
			parts[i] = "Meta"
		case "Meta":
			parts[i] = "Ctrl"
		}
	}
	return NormalizeCombo(strings.Join(parts, "+"))
}

// Apply returns the settings one student's session is decided with. A
// nil accommodation changes nothing.
func (s Settings) Apply(a *Accommodation) Settings {
	if a == nil {
		return s
	}
	for _, t := range a.Off {
		if r := s.Rule(t); r != nil {
			r.Enabled = false
		}
	}
	s.WhitelistedApps = append(slices.Clone(s.WhitelistedApps), a.AllowedApps...)
	if len(a.AllowedKeys) > 0 {
		// A combination is allowed on both kinds of keyboard (Ctrl+V and
		// Cmd+V), so allowing a paste combination allows paste by any means.
		allowed := map[string]bool{}
		for _, k := range a.AllowedKeys {
			allowed[NormalizeCombo(k)] = true
			allowed[otherKeyboard(NormalizeCombo(k))] = true
		}
		s.BlacklistedKeys = slices.DeleteFunc(slices.Clone(s.BlacklistedKeys), func(k string) bool { return allowed[NormalizeCombo(k)] })
	}
	return s
}
