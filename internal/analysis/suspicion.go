package analysis

import (
	"fmt"
	"math"
	"slices"
	"time"

	"vigil/internal/analysis/gaze"
	"vigil/internal/proctor"
)

// Facial Suspicion is judged against the student's own baseline: absolute
// head and eye angles overlap between people (one student's "straight
// ahead" is another's "slightly turned", a camera placed to one side turns
// everyone), while one student's shift away from their usual pose is
// telling (gaze/MEASUREMENTS.md, docs/DETECTION.md).
//
// Three signals, each against its own baseline: the head's yaw and pitch in
// degrees from the head-pose model (thresholds in the exam's settings), the
// pupils' offset from the eye landmarks (eyes-only glances, the rule's
// Threshold), and, for frames stored before the head-pose model existed,
// the head yaw read from the five landmarks (legacyYawShift).
const (
	// minBaselineFrames: with fewer readable frames around a moment there
	// is no baseline and no judgement.
	minBaselineFrames = gaze.BaselineFrames
	// baselineWindow: the baseline at a moment is the median pose over the
	// readable frames this far before and after it. Long enough that a
	// glance of a minute does not become the baseline, short enough to
	// follow a student who shifts in their chair.
	baselineWindow = 90 * time.Second
	// legacyYawShift is how far the landmark yaw (inter-ocular units) must
	// move from its baseline, for signals without a head pose.
	legacyYawShift = 0.15
	// downMaxYaw: pitch is only read as "looking down" while the head is
	// turned less than this; near profile the fitted pitch and roll swing
	// (the angles' gimbal lock at ±90° of yaw).
	downMaxYaw = 60
	// gazeMaxTurn: the pupils' offset from the eye landmarks is read as
	// an eyes-only glance only while the head stays within this many
	// degrees of its usual pose (eyes-only glances in the shared takes
	// keep the head within ±4.4°); a turned head moves the landmarks and
	// the pupils in perspective, and the head's own angles decide then.
	// Chosen on the tuning scenarios (tune-turn-15: pupils of a head turned
	// 13° read as a glance at 15°).
	gazeMaxTurn = 8
)

// Framing jumps: a face whose box moves by more than half its width, or
// whose height grows or shrinks by more than 40 %, between two readable
// frames starts a new stretch with its own baseline. A student looking away
// moves the eyes or turns the head in place (a turn narrows the box but
// keeps its height); a jump like this is someone else, a camera knocked, a
// student sitting down differently.
const (
	jumpShift = 0.5
	jumpScale = 1.4
)

// segments numbers the stretches of steady framing.
func segments(frames []proctor.FrameSignal) []int {
	seg := make([]int, len(frames))
	n, last := 0, -1
	for i := range frames {
		f := &frames[i]
		if !f.OK || f.Faces != 1 || len(f.Boxes) == 0 {
			seg[i] = n
			continue
		}
		if last >= 0 && jumped(frames[last].Boxes[0], f.Boxes[0]) {
			n++
		}
		seg[i], last = n, i
	}
	return seg
}

func jumped(a, b proctor.FaceBox) bool {
	dx, dy := float64((b.X+b.W/2)-(a.X+a.W/2)), float64((b.Y+b.H/2)-(a.Y+a.H/2))
	scale := float64(max(a.H, b.H) / max(1, min(a.H, b.H)))
	return math.Hypot(dx, dy) > jumpShift*float64(max(a.W, b.W)) || scale > jumpScale
}

// reading is one signal's values in one frame, and whether it has any.
type reading func(f *proctor.FrameSignal) (v [2]float64, ok bool)

func gazeReading(f *proctor.FrameSignal) ([2]float64, bool) {
	return [2]float64{f.GazeX, f.GazeY}, f.OK && f.PoseOK
}

func legacyYawReading(f *proctor.FrameSignal) ([2]float64, bool) {
	return [2]float64{f.Yaw}, f.OK && f.PoseOK
}

// headOf is the head pose of the frame's only face, or nil.
func headOf(f *proctor.FrameSignal) *proctor.HeadPose {
	if f.OK && f.Faces == 1 && len(f.Boxes) == 1 {
		return f.Boxes[0].Head
	}
	return nil
}

func headReading(f *proctor.FrameSignal) ([2]float64, bool) {
	h := headOf(f)
	if h == nil {
		return [2]float64{}, false
	}
	return [2]float64{h.Yaw, h.Pitch}, true
}

// baselines computes, for every frame, the median of a reading over the
// readable frames of the same stretch within baselineWindow of it; ok[i] is
// false where too few are.
func baselines(frames []proctor.FrameSignal, seg []int, read reading) (base [][2]float64, ok []bool) {
	type sample struct {
		at  time.Time
		seg int
		v   [2]float64
	}
	var readable []sample
	for i := range frames {
		if v, ok := read(&frames[i]); ok {
			readable = append(readable, sample{frames[i].CapturedAt, seg[i], v})
		}
	}
	base, ok = make([][2]float64, len(frames)), make([]bool, len(frames))
	lo, hi := 0, 0
	var as, bs []float64
	for i := range frames {
		t := frames[i].CapturedAt
		for lo < len(readable) && (readable[lo].at.Before(t.Add(-baselineWindow)) || readable[lo].seg < seg[i]) {
			lo++
		}
		if hi < lo {
			hi = lo
		}
		for hi < len(readable) && !readable[hi].at.After(t.Add(baselineWindow)) && readable[hi].seg <= seg[i] {
			hi++
		}
		if hi-lo < minBaselineFrames {
			continue
		}
		as, bs = as[:0], bs[:0]
		for _, p := range readable[lo:hi] {
			as, bs = append(as, p.v[0]), append(bs, p.v[1])
		}
		base[i], ok[i] = [2]float64{median(as), median(bs)}, true
	}
	return base, ok
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// shift is one measure of looking away, per frame, smoothed with its
// neighbours (the median of three) so one noisy reading is not a glance.
type shift struct {
	v     []float64
	known []bool
}

func (s shift) at(i int) (float64, bool) { return s.v[i], s.known[i] }

// shifts are the measures Facial Suspicion reads.
type shifts struct {
	gaze      shift // pupils from their baseline, inter-ocular units
	turn      shift // head yaw from its baseline, degrees, either side
	down      shift // head pitch from its baseline, degrees, nose down
	legacyYaw shift // landmark yaw from its baseline, inter-ocular units
}

func newShift(n int) shift { return shift{v: make([]float64, n), known: make([]bool, n)} }

// deviation measures every frame's reading against its baseline.
func deviation(frames []proctor.FrameSignal, seg []int, read reading, measure func(v, base [2]float64) (float64, bool)) shift {
	base, ok := baselines(frames, seg, read)
	raw := newShift(len(frames))
	for i := range frames {
		if v, readable := read(&frames[i]); readable && ok[i] {
			raw.v[i], raw.known[i] = measure(v, base[i])
		}
	}
	return smooth(raw)
}

// smooth is the median of each known value and its known neighbours.
func smooth(raw shift) shift {
	out := newShift(len(raw.v))
	var w []float64
	for i := range raw.v {
		if !raw.known[i] {
			continue
		}
		w = w[:0]
		for j := max(0, i-1); j <= min(len(raw.v)-1, i+1); j++ {
			if raw.known[j] {
				w = append(w, raw.v[j])
			}
		}
		out.v[i], out.known[i] = median(w), true
	}
	return out
}

func poseShifts(frames []proctor.FrameSignal) shifts {
	seg := segments(frames)
	return shifts{
		gaze: deviation(frames, seg, gazeReading, func(v, b [2]float64) (float64, bool) {
			return math.Hypot(v[0]-b[0], v[1]-b[1]), true
		}),
		turn: deviation(frames, seg, headReading, func(v, b [2]float64) (float64, bool) {
			return math.Abs(v[0] - b[0]), true
		}),
		down: deviation(frames, seg, headReading, func(v, b [2]float64) (float64, bool) {
			return v[1] - b[1], math.Abs(v[0]) < downMaxYaw
		}),
		legacyYaw: deviation(frames, seg, legacyYawReading, func(v, b [2]float64) (float64, bool) {
			return math.Abs(v[0] - b[0]), true
		}),
	}
}

// thresholds are what each shift must reach to count.
type thresholds struct{ gaze, turn, down float64 }

// ratios are each shift of frame i over its threshold (0 when unknown);
// a ratio of 1 or more counts as looking away. The landmark yaw counts only
// in sessions whose frames carry no head pose (stored before the model).
func (sh *shifts) ratios(i int, th thresholds, headless bool) (gz, turn, down float64, known bool) {
	if v, ok := sh.gaze.at(i); ok {
		gz, known = v/th.gaze, true
	}
	if v, ok := sh.turn.at(i); ok {
		turn, known = v/th.turn, true
		if v >= gazeMaxTurn {
			gz = 0
		}
	}
	if v, ok := sh.down.at(i); ok {
		down, known = max(0, v)/th.down, true
		if math.Abs(v) >= gazeMaxTurn {
			gz = 0
		}
	}
	if v, ok := sh.legacyYaw.at(i); ok && headless {
		turn, known = max(turn, v/legacyYawShift), true
	}
	return gz, turn, down, known
}

// suspicionRule flags sustained looking away: the head turned or tilted
// down, or the eyes turned, from the student's baseline for at least the
// rule's duration.
func suspicionRule(in Input) []proctor.Violation {
	sh := poseShifts(in.Frames)
	th := thresholds{gaze: in.Settings.FacialSuspicion.ThresholdOr(proctor.DefaultGazeShift),
		turn: in.Settings.HeadTurn(), down: in.Settings.HeadDown()}
	headless := !slices.ContainsFunc(sh.turn.known, func(k bool) bool { return k })
	return flagRule(in, proctor.FacialSuspicion, func(i int) (bool, bool) {
		gz, turn, down, known := sh.ratios(i, th, headless)
		return gz >= 1 || turn >= 1 || down >= 1, known
	}, func(r run) proctor.Violation {
		return suspicion(in, r, &sh, th, headless)
	})
}

func suspicion(in Input, r run, sh *shifts, th thresholds, headless bool) proctor.Violation {
	var maxGaze, maxTurn, maxDown, rGaze, rTurn, rDown, legacy float64
	for i := r.first; i <= r.last; i++ {
		gz, turn, down, _ := sh.ratios(i, th, headless)
		rGaze, rTurn, rDown = max(rGaze, gz), max(rTurn, turn), max(rDown, down)
		if v, ok := sh.gaze.at(i); ok {
			maxGaze = max(maxGaze, v)
		}
		if v, ok := sh.turn.at(i); ok {
			maxTurn = max(maxTurn, v)
		}
		if v, ok := sh.down.at(i); ok {
			maxDown = max(maxDown, v)
		}
		if v, ok := sh.legacyYaw.at(i); ok {
			legacy = max(legacy, v)
		}
	}
	v := proctor.Violation{Type: proctor.FacialSuspicion, Start: r.start, End: r.end, Rule: "facial_suspicion.threshold",
		Cause: proctor.CauseGaze, Evidence: evidence(in.Frames, r)}
	what := "eyes turned away from the screen"
	switch {
	case rTurn >= max(rGaze, rDown) && headless:
		v.Cause, what = proctor.CauseHeadTurn, "head turned away from the screen"
	case rTurn >= max(rGaze, rDown):
		v.Cause, what = proctor.CauseHeadTurn, fmt.Sprintf("head turned up to %.0f° from the student's usual pose (the exam counts more than %.0f°)", maxTurn, th.turn)
	case rDown >= rGaze:
		v.Cause, what = proctor.CauseHeadDown, fmt.Sprintf("head tilted down up to %.0f° from the student's usual pose (the exam counts more than %.0f°)", maxDown, th.down)
	}
	v.Confidence = min(1, max(rGaze, rTurn, rDown)/2)
	if headless {
		v.Detail = fmt.Sprintf("gaze shift up to %.2f, head turn up to %.2f (inter-ocular units, from the student's usual pose)", maxGaze, legacy)
	} else {
		v.Detail = fmt.Sprintf("head turned up to %.0f° and down up to %.0f°, gaze shift up to %.2f (inter-ocular units), from the student's usual pose", maxTurn, max(0, maxDown), maxGaze)
	}
	judgeDuration(&v, &in.Settings.FacialSuspicion, what)
	return v
}
