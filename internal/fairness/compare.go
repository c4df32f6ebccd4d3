package fairness

import (
	"fmt"

	"vigil/internal/analysis/face"
)

// AgreeIoU is the overlap at which a second detector's box confirms a
// primary box. YuNet and UltraFace draw boxes of somewhat different shape
// around the same face (IoU 0.76 or more on the media's faces), so a loose
// threshold; boxes on different faces of a frame hardly overlap at all.
const AgreeIoU = 0.3

// Tally counts one group's frames under one condition.
type Tally struct {
	Total int
	// PrimaryMissed: frames the primary detector missed; Rescued: of
	// those, frames the second found. SecondMissed, and of those
	// RescuedByPrimary, the other way round.
	PrimaryMissed, Rescued         int
	SecondMissed, RescuedByPrimary int
	// CountDiffer: frames where the two returned different numbers of boxes.
	CountDiffer int
	// Agreed: recall if a face counts only when a primary box on it is
	// confirmed by a second box (AgreeIoU). Either: recall if either
	// detector's finding counts.
	Agreed, Either Cell
}

// ConditionAgreement is the comparison under one frame size and light.
type ConditionAgreement struct {
	Width  int
	Light  Light
	Groups [NumGroups]Tally
	All    Tally
	// AgreedGap and EitherGap are the gaps, in points, of the two rules.
	AgreedGap, EitherGap float64
	// PrimaryStray: primary boxes on no face; ConfirmedStray: those a
	// second box confirms (what would remain under the agreement rule).
	PrimaryStray, ConfirmedStray int
}

// Label names the condition, e.g. "640 dim".
func (c ConditionAgreement) Label() string { return fmt.Sprintf("%d %s", c.Width, c.Light) }

// SecondOpinion compares a primary detector with a second one on the same
// set: where the second finds what the primary missed, how often they
// disagree on the number of faces, and what requiring agreement would do
// to recall and to false positives.
type SecondOpinion struct {
	Primary, Second string
	Conditions      []ConditionAgreement

	// On the no-face media frames: frames where each fired, and where a
	// primary box was confirmed by the second (would fire under agreement).
	NoFaceFrames                           int
	PrimaryFired, SecondFired, AgreedFired int
	// On the ground-truth stills: frames with exact counts for each, for
	// the agreement rule (confirmed primary boxes), and frames where the
	// two counts differ.
	StillsTotal                            int
	PrimaryExact, SecondExact, AgreedExact int
	StillsCountDiffer                      int
	// StillsDiffer lists the stills whose counts differ.
	StillsDiffer []StillDiff
}

// StillDiff is a ground-truth still on which the two detectors disagree.
type StillDiff struct {
	Path                   string
	Truth, Primary, Second int
}

// Compare compares two results measured on the same set (in one
// MeasureAll call or with the same options).
func Compare(set *Set, primary, second Result) (SecondOpinion, error) {
	if len(primary.Outcomes) != len(second.Outcomes) || primary.Samples != second.Samples ||
		primary.Samples != len(set.Samples) || len(primary.NoFaceFaces) != len(second.NoFaceFaces) ||
		len(primary.StillFaces) != len(second.StillFaces) {
		return SecondOpinion{}, fmt.Errorf("fairness: %s and %s were not measured on the same set",
			primary.Detector, second.Detector)
	}
	so := SecondOpinion{Primary: primary.Detector, Second: second.Detector}
	for c, cond := range conditions {
		ca := ConditionAgreement{Width: cond.width, Light: cond.light}
		var agreed, either, total [NumGroups]int
		for i, s := range set.Samples {
			p, q := primary.Outcomes[c][i], second.Outcomes[c][i]
			g := s.Group
			t := &ca.Groups[g]
			t.Total++
			total[g]++
			if !p.Found {
				t.PrimaryMissed++
				if q.Found {
					t.Rescued++
				}
			}
			if !q.Found {
				t.SecondMissed++
				if p.Found {
					t.RescuedByPrimary++
				}
			}
			if len(p.Faces) != len(q.Faces) {
				t.CountDiffer++
			}
			if p.Found || q.Found {
				either[g]++
			}
			truth := truthFor(s.Layout, cond.width)
			m := firstMatch(p.Faces, truth)
			if m >= 0 && confirmed(p.Faces[m], q.Faces) {
				agreed[g]++
			}
			for k, f := range p.Faces {
				if k == m {
					continue
				}
				ca.PrimaryStray++
				if confirmed(f, q.Faces) {
					ca.ConfirmedStray++
				}
			}
		}
		for g := range NumGroups {
			t := &ca.Groups[g]
			t.Agreed = newCell(agreed[g], total[g])
			t.Either = newCell(either[g], total[g])
			ca.All.add(*t)
		}
		_, ca.All.Agreed, ca.AgreedGap = cells(agreed, total)
		_, ca.All.Either, ca.EitherGap = cells(either, total)
		so.Conditions = append(so.Conditions, ca)
	}

	so.NoFaceFrames = len(primary.NoFaceFaces)
	for j := range primary.NoFaceFaces {
		p, q := primary.NoFaceFaces[j], second.NoFaceFaces[j]
		if len(p) > 0 {
			so.PrimaryFired++
		}
		if len(q) > 0 {
			so.SecondFired++
		}
		if countConfirmed(p, q) > 0 {
			so.AgreedFired++
		}
	}
	so.StillsTotal = len(set.Stills)
	for j, st := range set.Stills {
		p, q := primary.StillFaces[j], second.StillFaces[j]
		if len(p) == st.Faces {
			so.PrimaryExact++
		}
		if len(q) == st.Faces {
			so.SecondExact++
		}
		if countConfirmed(p, q) == st.Faces {
			so.AgreedExact++
		}
		if len(p) != len(q) {
			so.StillsCountDiffer++
			so.StillsDiffer = append(so.StillsDiffer, StillDiff{
				Path: set.relMedia(st.Path), Truth: st.Faces, Primary: len(p), Second: len(q)})
		}
	}
	return so, nil
}

func (t *Tally) add(o Tally) {
	t.Total += o.Total
	t.PrimaryMissed += o.PrimaryMissed
	t.Rescued += o.Rescued
	t.SecondMissed += o.SecondMissed
	t.RescuedByPrimary += o.RescuedByPrimary
	t.CountDiffer += o.CountDiffer
}

// firstMatch returns the index of the first box matching t, or -1.
func firstMatch(faces []face.Face, t Truth) int {
	for k, f := range faces {
		if Matches(f, t) {
			return k
		}
	}
	return -1
}

func confirmed(f face.Face, others []face.Face) bool {
	for _, o := range others {
		if iou(f, o) >= AgreeIoU {
			return true
		}
	}
	return false
}

func countConfirmed(p, q []face.Face) int {
	n := 0
	for _, f := range p {
		if confirmed(f, q) {
			n++
		}
	}
	return n
}

func iou(a, b face.Face) float64 {
	iw := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	ih := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := float64(iw) * float64(ih)
	return inter / (float64(a.W)*float64(a.H) + float64(b.W)*float64(b.H) - inter)
}
