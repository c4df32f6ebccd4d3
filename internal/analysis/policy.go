package analysis

import "vigil/internal/proctor"

// Verdict applies the exam's Pass/Fail policy to a session's violations. It
// reads violations only, never answers, and never changes a grade.
//
// Only applied violations count. A "too dark" Left Session never counts: it
// is an environment problem for the reviewer to weigh, not evidence. With
// reviewed set, violations the instructor excused do not count either.
func Verdict(p proctor.Policy, vs []proctor.Violation, reviewed bool) proctor.Verdict {
	score := 0.0
	for i := range vs {
		v := &vs[i]
		if !counts(v, reviewed) {
			continue
		}
		for _, t := range p.FailAtOnce {
			if v.Type == t {
				return proctor.VerdictFail
			}
		}
		score += p.Weight(v.Type)
	}
	if score >= p.FailScore {
		return proctor.VerdictFail
	}
	return proctor.VerdictPass
}

func counts(v *proctor.Violation, reviewed bool) bool {
	if !v.Applied || v.Cause == proctor.CauseTooDark {
		return false
	}
	return !reviewed || v.Decision != proctor.DecisionExcused
}
