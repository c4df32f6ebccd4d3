package scenario

import (
	"math"
	"time"

	"vigil/internal/proctor"
)

// Widen is how far both spans are widened before overlap is tested
// (docs/EVAL.md: 3 seconds).
const Widen = 3.0

// Reported is a violation the system applied, in seconds from the start.
type Reported struct {
	Type     proctor.ViolationType
	From, To float64
	Cause    string
}

// Score is one type's result.
type Score struct {
	Type       proctor.ViolationType
	TP, FP, FN int
	// StartErr and EndErr sum |reported − expected| in seconds over matches.
	StartErr, EndErr float64
	// Missed are the expected violations nothing matched (the FN), False
	// the reported ones that matched nothing expected (the FP).
	Missed []Expected
	False  []Reported
}

// Precision is TP / (TP + FP), 1 when nothing was reported.
func (s Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is TP / (TP + FN), 1 when nothing was expected.
func (s Score) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// FromViolations converts applied violations to Reported, relative to start.
func FromViolations(vs []proctor.Violation, start time.Time) []Reported {
	var out []Reported
	for _, v := range vs {
		if v.Applied {
			out = append(out, Reported{Type: v.Type, From: v.Start.Sub(start).Seconds(), To: v.End.Sub(start).Seconds(), Cause: string(v.Cause)})
		}
	}
	return out
}

// Match scores reported against expected violations for the given types:
// same type, spans overlapping once both are widened by Widen seconds, each
// expected matched at most once (greedily, by the closest start).
func Match(expected []Expected, reported []Reported, types []proctor.ViolationType) map[proctor.ViolationType]*Score {
	scores := map[proctor.ViolationType]*Score{}
	for _, t := range types {
		scores[t] = &Score{Type: t}
	}
	used := make([]bool, len(reported))
	for _, e := range expected {
		sc, ok := scores[e.Type]
		if !ok {
			continue
		}
		if i := closest(e, reported, used); i >= 0 {
			used[i] = true
			sc.TP++
			sc.StartErr += math.Abs(reported[i].From - e.From)
			sc.EndErr += math.Abs(reported[i].To - e.To)
		} else {
			sc.FN++
			sc.Missed = append(sc.Missed, e)
		}
	}
	for i, r := range reported {
		if sc, ok := scores[r.Type]; ok && !used[i] {
			sc.FP++
			sc.False = append(sc.False, r)
		}
	}
	return scores
}

func closest(e Expected, reported []Reported, used []bool) int {
	best, bestDist := -1, math.Inf(1)
	for i, r := range reported {
		if used[i] || r.Type != e.Type || r.From-Widen > e.To+Widen || e.From-Widen > r.To+Widen {
			continue
		}
		if d := math.Abs(r.From - e.From); d < bestDist {
			best, bestDist = i, d
		}
	}
	return best
}
