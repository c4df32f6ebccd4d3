package analysis

import (
	"context"
	"fmt"
	"sort"
	"time"

	"vigil/internal/proctor"
)

// Input is everything the rules read for one session.
type Input struct {
	Settings proctor.Settings
	// Start and End bound the session's timeline (client clock); End is the
	// latest capture time. Open conditions (focus never regained) end there.
	Start, End time.Time
	Frames     []proctor.FrameSignal // in sequence order
	Audio      []proctor.AudioSignal // in time order
	Events     []proctor.Event       // in time order
	// ExamURLs are the exam's own pages (Vigil's proctoring window, the LMS
	// quiz): browsing there is never Online Aid.
	ExamURLs []string
	// Scans are the session's verification photos with their identity
	// results; Reference is the onboarding face photo the webcam was
	// compared with (0: none), shown beside the frames as evidence.
	Scans     []proctor.Photo
	Reference int64
	// ExamStart is when the exam itself began: the first webcam frame when
	// zero. The companions report from the system check on, and what they
	// saw before the exam began is not held against the student.
	ExamStart time.Time
}

// AudioAnalyzer turns one audio chunk into signals (the voice detector
// behind an adapter).
type AudioAnalyzer interface {
	Analyze(ctx context.Context, c *proctor.AudioChunk, data []byte) ([]proctor.AudioSignal, error)
}

// Decide applies the exam's rules to a session's signals and returns every
// incident found, applied or not, with the rule and the reason, in time order.
func Decide(in Input) []proctor.Violation {
	if in.ExamStart.IsZero() && len(in.Frames) > 0 {
		in.ExamStart = in.Frames[0].CapturedAt
	}
	var out []proctor.Violation
	out = append(out, faceRules(in)...)
	out = append(out, suspicionRule(in)...)
	out = append(out, motionRule(in)...)
	out = append(out, audioRule(in)...)
	out = append(out, focusRule(in)...)
	out = append(out, navigateRule(in)...)
	out = append(out, foregroundRule(in)...)
	out = append(out, keyRule(in)...)
	out = append(out, appRules(in)...)
	out = append(out, identityRules(in)...)
	for i := range out {
		disableIfOff(&out[i], in.Settings)
	}
	attachFrames(out, in.Frames)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// disableIfOff keeps incidents of switched-off types on record, not applied.
func disableIfOff(v *proctor.Violation, s proctor.Settings) {
	if v.Applied && !s.Rule(v.Type).Enabled {
		v.Applied = false
		v.Reason = "this check is switched off for the exam; " + v.Reason
	}
}

// judgeDuration applies a rule's minimum duration to an incident.
func judgeDuration(v *proctor.Violation, r *proctor.Rule, what string) {
	d := v.Duration().Seconds()
	v.Applied = d >= r.MinSeconds
	if v.Applied {
		v.Reason = fmt.Sprintf("%s for %s (the rule applies from %s)", what, secs(d), secs(r.MinSeconds))
	} else {
		v.Reason = fmt.Sprintf("%s for %s, under the %s the rule needs", what, secs(d), secs(r.MinSeconds))
	}
}

// secs writes a number of seconds as a person would say it.
func secs(s float64) string {
	if s == float64(int64(s)) {
		return fmt.Sprintf("%d s", int64(s))
	}
	return fmt.Sprintf("%.1f s", s)
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
