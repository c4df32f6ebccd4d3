package review

import (
	"cmp"
	"context"
	"slices"
	"time"

	"vigil/internal/proctor"
)

// ChartsPage is a class at a glance: how an exam's flags spread over the
// students, when in the exam they cluster, and how the exam compares with
// the course's earlier ones. Flags are applied and not excused, as on the
// Student List.
type ChartsPage struct {
	Course   *proctor.Course
	Exam     *proctor.Exam
	Sessions int // analysed sessions, the base of every figure
	// Spread is, per violation type, how many sessions had how many flags.
	Spread []TypeSpread
	// Heat counts, per type and slice of exam time, the sessions with a
	// flag in that slice; Bin is a slice's length.
	Heat []HeatRow
	Bin  time.Duration
	Bins int
	// Peak is the busiest cell of Heat (zero when there are no flags).
	Peak HeatPeak
	// Compare is this exam and the course's earlier ones, oldest first.
	Compare []ExamFigures
}

// SpreadBuckets name the Spread columns: sessions with 0, 1, 2, 3–4 and
// 5 or more flags of a type.
var SpreadBuckets = []string{"0", "1", "2", "3–4", "5+"}

// TypeSpread is one violation type's spread over the sessions.
type TypeSpread struct {
	Type     proctor.ViolationType
	Sessions [5]int // by SpreadBuckets
	Flags    int    // in all
	Flagged  int    // sessions with at least one
}

func bucket(n int) int {
	switch {
	case n <= 2:
		return n
	case n <= 4:
		return 3
	}
	return 4
}

// HeatRow is one type's line of the heatmap (Type "" is all types).
type HeatRow struct {
	Type  proctor.ViolationType
	Cells []int
}

// HeatPeak is where most sessions were flagged at once.
type HeatPeak struct {
	Type     proctor.ViolationType
	Bin      int
	Sessions int
}

// ExamFigures sums up one exam for the comparison.
type ExamFigures struct {
	Exam     proctor.Exam
	This     bool
	Sessions int // analysed
	Failed   int // verdict in force
	Flags    int
	ByType   map[proctor.ViolationType]int
}

// FlagsPerSession is the mean number of flags per analysed session.
func (f ExamFigures) FlagsPerSession() float64 {
	if f.Sessions == 0 {
		return 0
	}
	return float64(f.Flags) / float64(f.Sessions)
}

// FailedShare is the share of analysed sessions that failed, 0–1.
func (f ExamFigures) FailedShare() float64 {
	if f.Sessions == 0 {
		return 0
	}
	return float64(f.Failed) / float64(f.Sessions)
}

// heatBins is about how many slices the exam's time is cut into.
const heatBins = 20

// compareExams: at most this many earlier exams are compared.
const compareExams = 5

// Charts returns an exam's class-level figures.
func (s *Service) Charts(ctx context.Context, a Actor, examID int64) (*ChartsPage, error) {
	exam, course, err := s.examPage(ctx, a, examID)
	if err != nil {
		return nil, err
	}
	rows, err := s.analysedRows(ctx, examID)
	if err != nil {
		return nil, err
	}
	p := &ChartsPage{Course: course, Exam: exam, Sessions: len(rows)}
	p.spread(rows)
	p.heat(rows)
	p.Compare, err = s.compare(ctx, exam, rows)
	return p, err
}

// analysedRows are an exam's analysed sessions, their flags counted.
func (s *Service) analysedRows(ctx context.Context, examID int64) ([]ListRow, error) {
	sessions, err := s.store.ListExamSessions(ctx, examID)
	if err != nil {
		return nil, err
	}
	bySession, err := s.store.ListExamViolations(ctx, examID)
	if err != nil {
		return nil, err
	}
	var rows []ListRow
	for _, r := range sessions {
		if r.Session.Verdict != proctor.VerdictNone {
			rows = append(rows, countRow(r, bySession[r.Session.ID]))
		}
	}
	return rows, nil
}

func (p *ChartsPage) spread(rows []ListRow) {
	for _, t := range proctor.ViolationTypes {
		ts := TypeSpread{Type: t}
		for i := range rows {
			n := rows[i].Counted[t]
			ts.Sessions[bucket(n)]++
			ts.Flags += n
			if n > 0 {
				ts.Flagged++
			}
		}
		p.Spread = append(p.Spread, ts)
	}
}

// heat cuts the exam's time (the longest recording) into whole minutes,
// about heatBins slices, and counts in each the sessions flagged there.
func (p *ChartsPage) heat(rows []ListRow) {
	var span time.Duration
	for i := range rows {
		span = max(span, rows[i].Session.Duration())
	}
	p.Bin = max(time.Minute, (span/heatBins+time.Minute-1)/time.Minute*time.Minute)
	p.Bins = max(1, int((span+p.Bin-1)/p.Bin))
	types := append([]proctor.ViolationType{""}, proctor.ViolationTypes...)
	for _, t := range types {
		row := HeatRow{Type: t, Cells: make([]int, p.Bins)}
		for i := range rows {
			hit := make([]bool, p.Bins)
			for _, m := range rows[i].Marks {
				if m.Excused || (t != "" && m.Type != t) {
					continue
				}
				from := min(max(int(m.At/p.Bin), 0), p.Bins-1)
				to := min(max(int((m.At+m.Len)/p.Bin), from), p.Bins-1)
				for b := from; b <= to; b++ {
					hit[b] = true
				}
			}
			for b, h := range hit {
				if h {
					row.Cells[b]++
				}
			}
		}
		if t != "" {
			for b, n := range row.Cells {
				if n > p.Peak.Sessions {
					p.Peak = HeatPeak{Type: t, Bin: b, Sessions: n}
				}
			}
		}
		p.Heat = append(p.Heat, row)
	}
}

// compare sums up this exam and the course's earlier ones (by opening
// time, else creation), oldest first.
func (s *Service) compare(ctx context.Context, exam *proctor.Exam, rows []ListRow) ([]ExamFigures, error) {
	exams, err := s.store.ListExams(ctx, exam.CourseID)
	if err != nil {
		return nil, err
	}
	when := func(e *proctor.Exam) time.Time { return cmp.Or(e.OpensAt, e.CreatedAt) }
	var earlier []proctor.Exam
	for _, e := range exams {
		if e.ID != exam.ID && (when(&e.Exam).Before(when(exam)) || (when(&e.Exam).Equal(when(exam)) && e.ID < exam.ID)) {
			earlier = append(earlier, e.Exam)
		}
	}
	slices.SortFunc(earlier, func(a, b proctor.Exam) int { return cmp.Or(when(&a).Compare(when(&b)), cmp.Compare(a.ID, b.ID)) })
	earlier = earlier[max(0, len(earlier)-compareExams):]
	out := make([]ExamFigures, 0, len(earlier)+1)
	for _, e := range earlier {
		er, err := s.analysedRows(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, figures(e, er, false))
	}
	return append(out, figures(*exam, rows, true)), nil
}

func figures(e proctor.Exam, rows []ListRow, this bool) ExamFigures {
	f := ExamFigures{Exam: e, This: this, Sessions: len(rows), ByType: map[proctor.ViolationType]int{}}
	for i := range rows {
		if VerdictInForce(&rows[i].Session) == proctor.VerdictFail {
			f.Failed++
		}
		f.Flags += rows[i].Flags
		for t, n := range rows[i].Counted {
			f.ByType[t] += n
		}
	}
	return f
}
