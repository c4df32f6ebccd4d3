package eval

import (
	"fmt"
	"slices"
	"strings"
)

// Target is what detection must reach on every violation type that a set of
// scenarios expects or reports: precision and recall at least this. It is
// the aim of the shared docs/EVAL.md and the gate of the scenario tests
// (internal/jobs); docs/DETECTION.md quotes it.
const Target = 0.95

// Check returns an error naming every type below Target in precision or
// recall, and, when the identity evaluation ran, every group past its
// targets. Types that no scenario expects and nothing reported are not
// judged (their precision and recall are undefined).
func (r *Report) Check() error {
	var below []string
	for _, t := range r.Types {
		if t.Expected == 0 && t.FP == 0 {
			continue
		}
		if t.Precision < Target || t.Recall < Target {
			below = append(below, fmt.Sprintf("%s (precision %.2f, recall %.2f)", t.Type, t.Precision, t.Recall))
		}
	}
	if len(below) > 0 {
		return fmt.Errorf("below the target of %.2f: %s", Target, strings.Join(below, ", "))
	}
	if r.Identity != nil {
		return r.Identity.Check()
	}
	return nil
}

// Part is the half of the scenarios a scenario belongs to.
type Part string

// The scenarios are split so that detection is judged on scenarios its
// thresholds were not fitted on: thresholds may be tuned by looking at the
// Tuning part only, and the Judging part says how well they carry over.
// Together the judging scenarios expect all eight violation types of
// docs/PRODUCT.md, and Different Person.
// docs/DETECTION.md lists the split and says what it does not guarantee.
const (
	Tuning  Part = "tuning"
	Judging Part = "judging"
)

// judging names (the scenario's "name") the scenarios of the Judging part,
// from the shared set and the repository's testdata/scenarios.
var judging = []string{
	// ../shared/scenarios
	"left-and-company", "voices-not-keys", "browser-and-apps",
	// testdata/scenarios
	"long-look", "crowds-and-partial", "people-carousel", "slow-frames", "someone-else-sits-down",
	// testdata/scenarios made by testdata/media/genfaces.go: head turns of
	// other people than the tuning part's, animals, pictures of faces
	"judge-turn-15", "judge-turn-30", "judge-turn-45", "judge-turn-45b", "judge-turn-60", "judge-turn-90", "judge-turn-90b",
	"judge-down", "judge-dogs", "judge-poster-left", "judge-phone", "judge-photo-held", "judge-screen-video", "judge-pet-beside",
}

// PartOf returns the part of the scenario with this name: Judging for the
// names listed above, Tuning for every other.
func PartOf(name string) Part {
	if slices.Contains(judging, name) {
		return Judging
	}
	return Tuning
}

// JudgingNames returns the names of the Judging part's scenarios.
func JudgingNames() []string { return slices.Clone(judging) }

// Summarize totals the outcomes per type, as Run does for all of them; it
// lets a caller report parts of a run separately.
func Summarize(outcomes []*Outcome) *Report {
	rep := newReport()
	for _, o := range outcomes {
		rep.add(o)
	}
	return rep
}
