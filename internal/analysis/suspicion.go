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
// ahead" is another's "slightly turned"), while one student's shift away
// from their usual pose is telling (gaze/MEASUREMENTS.md).
const (
	// minBaselineFrames: with fewer readable frames around a moment there
	// is no baseline and no judgement.
	minBaselineFrames = gaze.BaselineFrames
	// baselineWindow: the baseline at a moment is the median pose over the
	// readable frames this far before and after it. Long enough that a
	// glance of a minute does not become the baseline, short enough to
	// follow a student who shifts in their chair.
	baselineWindow = 90 * time.Second
	// yawShift is how far the head must turn from the baseline (inter-ocular
	// units) to count on its own, whatever the eyes do. Not measured on
	// real head turns yet (the shared media have none): from the models
	// README's figures and the measured yaw noise (σ ≤ 0.012).
	yawShift = 0.15
)

// pose is one readable frame's pose.
type pose struct {
	at             time.Time
	seg            int // the stretch of steady framing it belongs to
	yaw, gazeX, gy float64
}

// Framing jumps: a face whose box moves by more than half its width, or
// grows or shrinks by more than 40 %, between two readable frames starts a
// new stretch with its own baseline. A student looking away moves the eyes
// or turns the head in place; a jump like this is someone else, a camera
// knocked, a student sitting down differently.
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
	scale := float64(max(a.W, b.W) / max(1, min(a.W, b.W)))
	return math.Hypot(dx, dy) > jumpShift*float64(a.W) || scale > jumpScale
}

// baselines computes, for every frame, the median pose of the readable
// frames of the same stretch within baselineWindow of it; ok[i] is false
// where too few are.
func baselines(frames []proctor.FrameSignal) (base []pose, ok []bool) {
	seg := segments(frames)
	var readable []pose
	for i := range frames {
		if f := &frames[i]; f.OK && f.PoseOK {
			readable = append(readable, pose{f.CapturedAt, seg[i], f.Yaw, f.GazeX, f.GazeY})
		}
	}
	base, ok = make([]pose, len(frames)), make([]bool, len(frames))
	lo, hi := 0, 0
	var ys, xs, gys []float64
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
		ys, xs, gys = ys[:0], xs[:0], gys[:0]
		for _, p := range readable[lo:hi] {
			ys, xs, gys = append(ys, p.yaw), append(xs, p.gazeX), append(gys, p.gy)
		}
		base[i], ok[i] = pose{t, seg[i], median(ys), median(xs), median(gys)}, true
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

// shifts are how far each frame's pose is from its baseline, smoothed with
// its neighbours (the median of three) so one noisy landmark is not a glance.
type shifts struct {
	gaze, yaw []float64
	known     []bool
}

func poseShifts(frames []proctor.FrameSignal) shifts {
	base, ok := baselines(frames)
	raw := shifts{gaze: make([]float64, len(frames)), yaw: make([]float64, len(frames)), known: make([]bool, len(frames))}
	for i := range frames {
		if f := &frames[i]; f.OK && f.PoseOK && ok[i] {
			raw.gaze[i] = math.Hypot(f.GazeX-base[i].gazeX, f.GazeY-base[i].gy)
			raw.yaw[i] = math.Abs(f.Yaw - base[i].yaw)
			raw.known[i] = true
		}
	}
	out := shifts{gaze: make([]float64, len(frames)), yaw: make([]float64, len(frames)), known: raw.known}
	var g, y []float64
	for i := range frames {
		g, y = g[:0], y[:0]
		for j := max(0, i-1); j <= min(len(frames)-1, i+1); j++ {
			if raw.known[j] {
				g, y = append(g, raw.gaze[j]), append(y, raw.yaw[j])
			}
		}
		if raw.known[i] {
			out.gaze[i], out.yaw[i] = median(g), median(y)
		}
	}
	return out
}

// suspicionRule flags sustained looking away: the eyes or the head turned
// from the student's baseline for at least the rule's duration.
func suspicionRule(in Input) []proctor.Violation {
	sh := poseShifts(in.Frames)
	th := in.Settings.FacialSuspicion.ThresholdOr(proctor.DefaultGazeShift)
	return flagRule(in, proctor.FacialSuspicion, func(i int) (bool, bool) {
		return sh.gaze[i] >= th || sh.yaw[i] >= yawShift, sh.known[i]
	}, func(r run) proctor.Violation {
		return suspicion(in, r, sh, th)
	})
}

func suspicion(in Input, r run, sh shifts, th float64) proctor.Violation {
	maxGaze, maxYaw := 0.0, 0.0
	for i := r.first; i <= r.last; i++ {
		maxGaze, maxYaw = max(maxGaze, sh.gaze[i]), max(maxYaw, sh.yaw[i])
	}
	v := proctor.Violation{Type: proctor.FacialSuspicion, Start: r.start, End: r.end, Rule: "facial_suspicion.threshold",
		Cause: proctor.CauseGaze, Evidence: evidence(in.Frames, r)}
	what := "eyes turned away from the screen"
	if maxYaw/yawShift > maxGaze/th {
		v.Cause, what = proctor.CauseHeadTurn, "head turned away from the screen"
	}
	v.Confidence = min(1, max(maxGaze/th, maxYaw/yawShift)/2)
	v.Detail = fmt.Sprintf("gaze shift up to %.2f, head turn up to %.2f (inter-ocular units, from the student's usual pose)", maxGaze, maxYaw)
	judgeDuration(&v, &in.Settings.FacialSuspicion, what)
	return v
}
