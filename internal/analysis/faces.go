package analysis

import (
	"fmt"
	"time"

	"vigil/internal/proctor"
)

// frameState is what one frame shows, as far as the face rules care.
type frameState int

const (
	stateUnknown frameState = iota // not analysable: breaks runs, proves nothing
	statePresent                   // exactly one face
	stateAbsent                    // no face
	stateCrowd                     // two or more faces
)

// classify reads a frame with live faces of a person (pictures of faces
// left out: liveness.go).
func classify(sig *proctor.FrameSignal, live int) frameState {
	switch {
	case !sig.OK:
		return stateUnknown
	case live == 0:
		return stateAbsent
	case live >= 2:
		return stateCrowd
	}
	return statePresent
}

// maxGapFactor: when consecutive frames are further apart than this many
// frame intervals (the client was offline or suspended), nothing is known
// about the gap and a run ends at the last frame seen.
const maxGapFactor = 3

// frameInterval is how far apart the session's frames are: the exam's
// setting, or the typical gap between frames actually received when that is
// longer (a client on a slow link sending fewer frames than asked).
func frameInterval(in Input) time.Duration {
	set := time.Duration(in.Settings.FrameIntervalSeconds * float64(time.Second))
	if len(in.Frames) < 3 {
		return set
	}
	gaps := make([]float64, 0, len(in.Frames)-1)
	for i := 1; i < len(in.Frames); i++ {
		gaps = append(gaps, float64(in.Frames[i].CapturedAt.Sub(in.Frames[i-1].CapturedAt)))
	}
	return max(set, time.Duration(median(gaps)))
}

// run is a stretch of consecutive frames in the same state.
type run struct {
	state      frameState
	first      int // index into frames
	last       int
	start, end time.Time
}

// runs splits the frames into runs of one state (given by state). A run
// lasts from its first frame until the next frame's capture (the state is
// assumed to hold until observed otherwise), or one interval past its last
// frame at a gap or the end.
func runs(frames []proctor.FrameSignal, interval time.Duration, state func(i int) frameState) []run {
	var out []run
	for i := range frames {
		st := state(i)
		cur := len(out) - 1
		contiguous := i > 0 && frames[i].CapturedAt.Sub(frames[i-1].CapturedAt) <= maxGapFactor*interval
		if cur >= 0 && contiguous {
			out[cur].end = frames[i].CapturedAt
		}
		if cur >= 0 && contiguous && out[cur].state == st {
			out[cur].last = i
			continue
		}
		out = append(out, run{state: st, first: i, last: i, start: frames[i].CapturedAt})
	}
	for i := range out {
		if out[i].end.IsZero() || !out[i].end.After(frames[out[i].last].CapturedAt) {
			out[i].end = frames[out[i].last].CapturedAt.Add(interval)
		}
	}
	return out
}

func faceRules(in Input) []proctor.Violation {
	interval := frameInterval(in)
	pics := pictures(in.Frames)
	live := func(i int) int { return liveFaces(in.Frames, pics, i) }
	var out []proctor.Violation
	for _, r := range runs(in.Frames, interval, func(i int) frameState { return classify(&in.Frames[i], live(i)) }) {
		var v proctor.Violation
		var rule *proctor.Rule
		switch r.state {
		case stateAbsent:
			rule = &in.Settings.LeftSession
			v = leftSession(in, r, picturesIn(pics, r))
		case stateCrowd:
			rule = &in.Settings.MultiplePeople
			v = multiplePeople(in, r, live)
		default:
			continue
		}
		if v.Applied || v.Duration().Seconds() >= rule.MinSeconds/2 {
			out = append(out, v)
		}
	}
	return out
}

func leftSession(in Input, r run, pictured int) proctor.Violation {
	frames := in.Frames[r.first : r.last+1]
	dark := 0
	for i := range frames {
		if frames[i].MeanLuma < in.Settings.DarkLuma {
			dark++
		}
	}
	v := proctor.Violation{Type: proctor.LeftSession, Start: r.start, End: r.end, Rule: "left_session.min_seconds",
		Cause: proctor.CauseNoFace, Confidence: 0.9, Evidence: evidence(in.Frames, r)}
	what := "no face visible"
	if pictured > 0 {
		what = "no one there but a picture of a face"
		v.Detail = fmt.Sprintf("a face that did not move while a live face beside it did was seen in %d of %d frames: a picture, not the student", pictured, len(frames))
	}
	if 2*dark >= len(frames) {
		// A dark room hides a face that may well be there: say so, and be
		// less sure, so the reviewer does not read an environment problem as
		// absence.
		v.Cause, v.Confidence = proctor.CauseTooDark, 0.5
		what = fmt.Sprintf("no face visible in a room too dark to see one (%d of %d frames dark)", dark, len(frames))
	}
	judgeDuration(&v, &in.Settings.LeftSession, what)
	return v
}

func multiplePeople(in Input, r run, live func(i int) int) proctor.Violation {
	frames := in.Frames[r.first : r.last+1]
	most, scoreSum := 0, 0.0
	for i := range frames {
		most = max(most, live(r.first+i))
		scoreSum += float64(secondBestScore(frames[i].Boxes))
	}
	v := proctor.Violation{Type: proctor.MultiplePeople, Start: r.start, End: r.end, Rule: "multiple_people.min_seconds",
		Confidence: scoreSum / float64(len(frames)), Evidence: evidence(in.Frames, r)}
	v.Detail = fmt.Sprintf("up to %d faces", most)
	judgeDuration(&v, &in.Settings.MultiplePeople, fmt.Sprintf("%d faces visible", most))
	return v
}

// secondBestScore is the confidence that there is a second face.
func secondBestScore(boxes []proctor.FaceBox) float32 {
	var best, second float32
	for _, b := range boxes {
		if b.Score > best {
			best, second = b.Score, best
		} else if b.Score > second {
			second = b.Score
		}
	}
	return second
}

// maxEvidenceFrames bounds the snapshots kept per violation: up to this
// many inside the span (evenly spread), plus the frames just before and after.
const maxEvidenceFrames = 12

func evidence(frames []proctor.FrameSignal, r run) proctor.Evidence {
	var ev proctor.Evidence
	if r.first > 0 {
		ev.BeforeSeq = &frames[r.first-1].Seq
	}
	n := r.last - r.first + 1
	step := max(1, (n+maxEvidenceFrames-1)/maxEvidenceFrames)
	for i := r.first; i <= r.last; i += step {
		ev.FrameSeqs = append(ev.FrameSeqs, frames[i].Seq)
	}
	if last := frames[r.last].Seq; ev.FrameSeqs[len(ev.FrameSeqs)-1] != last {
		ev.FrameSeqs = append(ev.FrameSeqs, last)
	}
	if r.last+1 < len(frames) {
		ev.AfterSeq = &frames[r.last+1].Seq
	}
	return ev
}
