package analysis

import (
	"fmt"

	"vigil/internal/proctor"
)

// Frame states for the rules that flag frames one by one.
const (
	stateClear   frameState = 10 + iota // measured and below the threshold
	stateFlagged                        // measured and above it
)

// flagRule turns frames flagged by flagged(i) (true, false, or not known)
// into violations of type t, applied when a run lasts the rule's minimum.
func flagRule(in Input, t proctor.ViolationType, flagged func(i int) (on, known bool), build func(r run) proctor.Violation) []proctor.Violation {
	interval := frameInterval(in)
	rule := in.Settings.Rule(t)
	var out []proctor.Violation
	for _, r := range runs(in.Frames, interval, func(i int) frameState {
		on, known := flagged(i)
		switch {
		case !known:
			return stateUnknown
		case on:
			return stateFlagged
		}
		return stateClear
	}) {
		if r.state != stateFlagged {
			continue
		}
		v := build(r)
		if v.Applied || v.Duration().Seconds() >= rule.MinSeconds/2 {
			out = append(out, v)
		}
	}
	return out
}

// motionRule flags sustained movement behind the student: frames where more
// than the threshold share of the background changed since the frame before.
// The frame where someone appears in front of an empty camera, or the
// last face leaves it, is not judged: the picture changes around a person
// sitting down or getting up (or a pet walking off) far beyond the face's
// box, and that moment is where Left Session starts or ends, not movement
// behind the student.
func motionRule(in Input) []proctor.Violation {
	th := in.Settings.BackgroundMotion.ThresholdOr(proctor.DefaultMotionShare)
	return flagRule(in, proctor.BackgroundMotion, func(i int) (bool, bool) {
		m := in.Frames[i].Motion
		return m >= th, in.Frames[i].OK && m >= 0 && !arrivalOrDeparture(in.Frames, i)
	}, func(r run) proctor.Violation {
		peak := 0.0
		for _, f := range in.Frames[r.first : r.last+1] {
			peak = max(peak, f.Motion)
		}
		v := proctor.Violation{Type: proctor.BackgroundMotion, Start: r.start, End: r.end, Cause: proctor.CauseMotion,
			Rule: "background_motion.threshold", Confidence: min(1, peak/(2*th)), Evidence: evidence(in.Frames, r)}
		v.Detail = fmt.Sprintf("up to %.0f%% of the background moving", 100*peak)
		judgeDuration(&v, &in.Settings.BackgroundMotion, "movement in the background")
		return v
	})
}

// arrivalOrDeparture: frame i has faces and the frame before none, or the
// reverse.
func arrivalOrDeparture(frames []proctor.FrameSignal, i int) bool {
	if i == 0 || !frames[i-1].OK {
		return false
	}
	return (frames[i-1].Faces == 0) != (frames[i].Faces == 0)
}
