package analysis

import (
	"sort"
	"time"

	"vigil/internal/proctor"
)

// Verdict applies the exam's Pass/Fail policy to a session's violations. It
// reads violations only, never answers, and never changes a grade.
//
// Fail when a violation of a FailAtOnce type was applied, or when the
// weighted flagged time reaches FailShare of the session: for each type, the
// time covered by its applied violations (overlaps counted once, a momentary
// one as PointSeconds), times the type's weight, over the session's length.
//
// A "too dark" Left Session never counts: it is an environment problem for
// the reviewer to weigh. With reviewed set, excused violations do not count.
func Verdict(p proctor.Policy, vs []proctor.Violation, sessionLength time.Duration, reviewed bool) proctor.Verdict {
	byType := map[proctor.ViolationType][]span{}
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
		end := v.End
		if min := v.Start.Add(time.Duration(p.PointSeconds * float64(time.Second))); end.Before(min) {
			end = min
		}
		byType[v.Type] = append(byType[v.Type], span{v.Start, end})
	}
	length := max(sessionLength, minSessionLength)
	flagged := 0.0
	for t, spans := range byType {
		flagged += p.Weight(t) * covered(spans).Seconds()
	}
	if flagged/length.Seconds() >= p.FailShare {
		return proctor.VerdictFail
	}
	return proctor.VerdictPass
}

// minSessionLength keeps a session with almost no captures from turning one
// short incident into a large share.
const minSessionLength = time.Minute

type span struct{ start, end time.Time }

// covered is the total time of the union of spans.
func covered(spans []span) time.Duration {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	var total time.Duration
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case s.start.After(cur.end):
			total += cur.end.Sub(cur.start)
			cur = s
		case s.end.After(cur.end):
			cur.end = s.end
		}
	}
	if len(spans) > 0 {
		total += cur.end.Sub(cur.start)
	}
	return total
}

func counts(v *proctor.Violation, reviewed bool) bool {
	if !v.Applied || v.Cause == proctor.CauseTooDark {
		return false
	}
	return !reviewed || v.Decision != proctor.DecisionExcused
}
