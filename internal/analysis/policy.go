package analysis

import (
	"slices"
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
	return Explain(p, vs, sessionLength, reviewed).Verdict
}

// Tally is one violation type's part in a verdict: its counted violations
// and the time they cover.
type Tally struct {
	Type    proctor.ViolationType
	Count   int
	Covered time.Duration // union of its spans, a momentary one as PointSeconds
	Weight  float64
}

// Weighted is the tally's weighted time.
func (t Tally) Weighted() time.Duration { return time.Duration(t.Weight * float64(t.Covered)) }

// Decided is one instructor decision that shaped a verdict.
type Decided struct {
	Type     proctor.ViolationType
	Decision proctor.Decision
	By       int64
}

// Explanation is how a verdict came about, with every number the policy
// used, so that the dashboard and exports can say why in words.
type Explanation struct {
	Verdict  proctor.Verdict
	Reviewed bool
	// FailedAtOnce is the policy's fail-at-once type that decided (empty
	// when the weighted share decided).
	FailedAtOnce proctor.ViolationType
	// Tallies are the counted violations per type, in the types' order.
	Tallies []Tally
	// Weighted is the sum of the tallies' weighted times; Length the
	// session length it is measured against (at least a minute).
	Weighted, Length time.Duration
	// Recorded is the session's own length (Length is at least a minute).
	Recorded time.Duration
	// Share is Weighted over Length; FailShare the policy's threshold.
	Share, FailShare float64
	// Decisions are the excused and confirmed violations among the applied.
	Decisions []Decided
	// TooDark counts applied Left Session violations blamed on a dark room
	// (never counted); NotApplied those the rules did not apply.
	TooDark, NotApplied int
}

// Counted is the number of violations that counted toward the verdict.
func (e *Explanation) Counted() int {
	n := 0
	for _, t := range e.Tallies {
		n += t.Count
	}
	return n
}

// Explain computes the verdict and how it came about (see Verdict).
func Explain(p proctor.Policy, vs []proctor.Violation, sessionLength time.Duration, reviewed bool) Explanation {
	e := Explanation{Reviewed: reviewed, FailShare: p.FailShare, Recorded: sessionLength, Length: max(sessionLength, minSessionLength)}
	byType := map[proctor.ViolationType][]span{}
	for i := range vs {
		v := &vs[i]
		e.note(v)
		if !counts(v, reviewed) {
			continue
		}
		if e.FailedAtOnce == "" && slices.Contains(p.FailAtOnce, v.Type) {
			e.FailedAtOnce = v.Type
		}
		end := v.End
		if min := v.Start.Add(time.Duration(p.PointSeconds * float64(time.Second))); end.Before(min) {
			end = min
		}
		byType[v.Type] = append(byType[v.Type], span{v.Start, end})
	}
	for _, t := range proctor.ViolationTypes {
		spans := byType[t]
		if len(spans) == 0 {
			continue
		}
		tally := Tally{Type: t, Count: len(spans), Covered: covered(spans), Weight: p.Weight(t)}
		e.Tallies = append(e.Tallies, tally)
		e.Weighted += tally.Weighted()
	}
	e.Share = e.Weighted.Seconds() / e.Length.Seconds()
	e.Verdict = proctor.VerdictPass
	if e.FailedAtOnce != "" || e.Share >= p.FailShare {
		e.Verdict = proctor.VerdictFail
	}
	return e
}

// note records what a violation says about the verdict besides counting.
func (e *Explanation) note(v *proctor.Violation) {
	switch {
	case !v.Applied:
		e.NotApplied++
		return
	case v.Cause == proctor.CauseTooDark:
		e.TooDark++
		return
	}
	if v.Decision == proctor.DecisionExcused || v.Decision == proctor.DecisionConfirmed {
		e.Decisions = append(e.Decisions, Decided{Type: v.Type, Decision: v.Decision, By: v.DecidedBy})
	}
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
