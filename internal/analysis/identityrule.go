package analysis

import (
	"fmt"
	"time"

	"vigil/internal/proctor"
)

// identityRules flags Different Person: every verification scan whose face
// is not the student of the onboarding photo, and every stretch of the
// exam in which the sampled webcam frames show someone else.
func identityRules(in Input) []proctor.Violation {
	var out []proctor.Violation
	for i := range in.Scans {
		if p := &in.Scans[i]; p.Identity == proctor.MatchDifferent {
			out = append(out, scanFlag(p))
		}
	}
	return append(out, webcamFlags(in)...)
}

// scanFlag is a scan of someone else: it applies whatever its length (it
// is one moment), and the reviewer sees the scan beside the onboarding
// photo it was compared with.
func scanFlag(p *proctor.Photo) proctor.Violation {
	v := proctor.Violation{Type: proctor.DifferentPerson, Start: p.CapturedAt, End: p.CapturedAt, Applied: true,
		Rule: "different_person.scan", Cause: proctor.CauseScan, Confidence: confidence(p.Similarity)}
	v.Reason = fmt.Sprintf("the %s scan (attempt %d) shows someone other than the student of the onboarding photo "+
		"(similarity %.2f)", lower(p.Kind.Label()), p.Attempt, p.Similarity)
	v.PhotoIDs = []int64{p.ID}
	if p.ReferenceID != 0 {
		v.PhotoIDs = append(v.PhotoIDs, p.ReferenceID)
	}
	return v
}

// lower writes a label ("Photo ID") inside a sentence ("photo ID").
func lower(label string) string {
	if label == "" || label[0] < 'A' || label[0] > 'Z' {
		return label
	}
	return string(label[0]+'a'-'A') + label[1:]
}

// confidence is how sure a mismatch is: the further below any likeness,
// the surer.
func confidence(similarity float64) float64 { return min(1, max(0, 1-similarity)) }

// webcamFlags groups the webcam identity checks that found someone else,
// in a row (no check that found the student between them), into one
// violation each. It lasts from the first such check for as long as one
// face stays in view without a break: until the next check that finds the
// student, a frame with no face or several, a gap in the frames, or the
// end of the session.
func webcamFlags(in Input) []proctor.Violation {
	interval := frameInterval(in)
	var out []proctor.Violation
	for i := 0; i < len(in.Frames); i++ {
		if in.Frames[i].Identity != proctor.MatchDifferent {
			continue
		}
		checks, end := mismatchRun(in.Frames, i, interval)
		out = append(out, webcamFlag(in, checks, end, interval))
		i = end
	}
	var kept []proctor.Violation
	for _, v := range out {
		if v.Applied || v.Duration().Seconds() >= in.Settings.DifferentPerson.MinSeconds/2 {
			kept = append(kept, v)
		}
	}
	return kept
}

// mismatchRun follows a run from frame i, a check that found someone else:
// it returns the checks of the run that found someone else, and the index
// of the run's last frame.
func mismatchRun(frames []proctor.FrameSignal, i int, interval time.Duration) ([]int, int) {
	checks, last := []int{i}, i
	for j := i + 1; j < len(frames); j++ {
		f := &frames[j]
		if f.CapturedAt.Sub(frames[j-1].CapturedAt) > maxGapFactor*interval || f.Identity == proctor.MatchSame {
			break
		}
		if f.OK && f.Faces != 1 {
			break
		}
		last = j
		if f.Identity == proctor.MatchDifferent {
			checks = append(checks, j)
		}
	}
	return checks, last
}

func webcamFlag(in Input, checks []int, last int, interval time.Duration) proctor.Violation {
	first := checks[0]
	r := run{first: first, last: last, start: in.Frames[first].CapturedAt, end: in.Frames[last].CapturedAt.Add(interval)}
	if last+1 < len(in.Frames) && in.Frames[last+1].CapturedAt.Before(r.end) {
		r.end = in.Frames[last+1].CapturedAt
	}
	v := proctor.Violation{Type: proctor.DifferentPerson, Start: r.start, End: r.end, Rule: "different_person.min_seconds",
		Cause: proctor.CauseWebcam, Evidence: evidence(in.Frames, r)}
	most, conf := -1.0, 0.0
	for _, c := range checks {
		most = max(most, in.Frames[c].Similarity)
		conf += confidence(in.Frames[c].Similarity)
	}
	v.Confidence = conf / float64(len(checks))
	v.FrameSeqs = spread(in.Frames, checks)
	if in.Reference != 0 {
		v.PhotoIDs = []int64{in.Reference}
	}
	what := fmt.Sprintf("someone other than the student of the onboarding photo at the webcam (%d identity check%s, "+
		"similarity %.2f at most)", len(checks), plural(len(checks)), most)
	judgeDuration(&v, &in.Settings.DifferentPerson, what)
	return v
}

// spread picks up to maxEvidenceFrames of the checks' frames, evenly,
// always keeping the first and the last.
func spread(frames []proctor.FrameSignal, checks []int) []int64 {
	step := max(1, (len(checks)+maxEvidenceFrames-1)/maxEvidenceFrames)
	var out []int64
	for k := 0; k < len(checks); k += step {
		out = append(out, frames[checks[k]].Seq)
	}
	if last := frames[checks[len(checks)-1]].Seq; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}
