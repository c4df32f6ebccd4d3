package review

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// PageSize is how many sessions one page of the Student List shows.
const PageSize = 50

// StudentListPage is an exam's Student List: one page of the sessions that
// match the query, and what the filters and the pager need.
type StudentListPage struct {
	Course *proctor.Course
	Exam   *proctor.Exam
	Rows   []ListRow
	Query  ListQuery
	// Total is every session of the exam, Matched those the filters keep;
	// Page (1-based) of Pages is shown.
	Total, Matched, Page, Pages int
	// Span is the longest recorded time of the exam's sessions: every
	// row's strip is drawn on this one scale, so rows line up.
	Span time.Duration
	// Students is the course roster, for issuing session links;
	// NotStarted those of them without a session of this exam.
	Students   []proctor.Student
	NotStarted []proctor.Student
	// Reasons explain each analysed row's verdict in force, by session id
	// (for the rows of this page only).
	Reasons map[int64]analysis.Reason
	// MayChange: the viewer may export and issue links (not a reviewer).
	MayChange bool
	started   map[int64]bool // students with a session of the exam
}

// ListRow is one session of the Student List with its flags counted the
// way the list shows them.
type ListRow struct {
	store.SessionRow
	// Counted are the applied flags not excused by a reviewer, by type;
	// Excused the applied flags a reviewer excused, shown apart.
	Counted, Excused map[proctor.ViolationType]int
	Flags, Excuses   int // their totals
	// Marks place every applied flag in the session's recorded time.
	Marks []Mark
}

// Mark is one applied flag on a row's strip.
type Mark struct {
	Type    proctor.ViolationType
	At, Len time.Duration // from the session's origin; its length
	Excused bool
}

// SortKeys are the Student List columns that sort, besides the violation
// types (sorted by their type name).
var SortKeys = []string{"first", "last", "attempt", "started", "duration", "status", "flags", "reviewed"}

// StudentList returns one page of an exam's sessions, filtered and sorted
// as q says (an invalid sort is by last name; a page past the end is the last).
func (s *Service) StudentList(ctx context.Context, a Actor, examID int64, q ListQuery) (*StudentListPage, error) {
	p, all, bySession, err := s.listRows(ctx, a, examID, q)
	if err != nil {
		return nil, err
	}
	p.Pages = max(1, (len(all)+PageSize-1)/PageSize)
	p.Page = min(max(q.Page, 1), p.Pages)
	p.Query.Page = p.Page
	p.Rows = all[min((p.Page-1)*PageSize, len(all)):min(p.Page*PageSize, len(all))]
	if p.Reasons, err = s.listReasons(ctx, p.Exam, p.Rows, bySession); err != nil {
		return nil, err
	}
	students, err := s.store.ListStudents(ctx, p.Exam.CourseID)
	if err != nil {
		return nil, err
	}
	p.Students = students
	for _, st := range students {
		if !p.started[st.ID] {
			p.NotStarted = append(p.NotStarted, st)
		}
	}
	return p, nil
}

// StudentListAll is every session the query keeps, in its order, with
// each verdict's explanation: the Student List as a CSV file.
func (s *Service) StudentListAll(ctx context.Context, a Actor, examID int64, q ListQuery) (*StudentListPage, error) {
	p, all, bySession, err := s.listRows(ctx, a, examID, q)
	if err != nil {
		return nil, err
	}
	p.Rows, p.Page, p.Pages = all, 1, 1
	p.Reasons, err = s.listReasons(ctx, p.Exam, all, bySession)
	return p, err
}

// listRows authorises, reads the exam's sessions and violations (two
// queries whatever the size), counts, filters and sorts.
func (s *Service) listRows(ctx context.Context, a Actor, examID int64, q ListQuery) (*StudentListPage, []ListRow, map[int64][]proctor.Violation, error) {
	exam, course, err := s.examPage(ctx, a, examID)
	if err != nil {
		return nil, nil, nil, err
	}
	sessions, err := s.store.ListExamSessions(ctx, examID)
	if err != nil {
		return nil, nil, nil, err
	}
	bySession, err := s.store.ListExamViolations(ctx, examID)
	if err != nil {
		return nil, nil, nil, err
	}
	q = q.clean()
	p := &StudentListPage{Course: course, Exam: exam, Query: q, Total: len(sessions),
		MayChange: s.canChange(ctx, a, exam.CourseID) == nil, started: make(map[int64]bool, len(sessions))}
	all := make([]ListRow, 0, len(sessions))
	for _, r := range sessions {
		p.started[r.Student.ID] = true
		p.Span = max(p.Span, r.Session.Duration())
		row := countRow(r, bySession[r.Session.ID])
		if q.keeps(&row) {
			all = append(all, row)
		}
	}
	p.Matched = len(all)
	sortRows(all, q.Sort, q.Desc)
	return p, all, bySession, nil
}

// countRow counts a session's applied flags, excused ones apart, and
// places them on its strip.
func countRow(r store.SessionRow, vs []proctor.Violation) ListRow {
	row := ListRow{SessionRow: r, Counted: map[proctor.ViolationType]int{}, Excused: map[proctor.ViolationType]int{}}
	origin := r.Session.Origin()
	for i := range vs {
		v := &vs[i]
		if !v.Applied {
			continue
		}
		excused := v.Decision == proctor.DecisionExcused
		if excused {
			row.Excused[v.Type]++
			row.Excuses++
		} else {
			row.Counted[v.Type]++
			row.Flags++
		}
		row.Marks = append(row.Marks, Mark{Type: v.Type, At: v.Start.Sub(origin), Len: v.Duration(), Excused: excused})
	}
	return row
}

func validSort(key string) bool {
	return slices.Contains(SortKeys, key) || proctor.ViolationType(key).Valid()
}

// VerdictInForce is the session's verdict as the list shows it: the one
// after reviewers' decisions when there is one, else the rules'.
func VerdictInForce(s *proctor.Session) proctor.Verdict {
	if s.ReviewedVerdict != proctor.VerdictNone {
		return s.ReviewedVerdict
	}
	return s.Verdict
}

// statusRank orders sessions by how much attention they need: failed first.
func statusRank(s *proctor.Session) int {
	switch VerdictInForce(s) {
	case proctor.VerdictFail:
		return 0
	case proctor.VerdictPass:
		return 2
	}
	return 1
}

func sortRows(rows []ListRow, key string, desc bool) {
	cmpFn := func(a, b *ListRow) int {
		switch key {
		case "first":
			return strings.Compare(strings.ToLower(a.Student.FirstName), strings.ToLower(b.Student.FirstName))
		case "last":
			return strings.Compare(strings.ToLower(a.Student.LastName), strings.ToLower(b.Student.LastName))
		case "attempt":
			return cmp.Compare(a.Session.AttemptLabel(), b.Session.AttemptLabel())
		case "started":
			return a.Session.Origin().Compare(b.Session.Origin())
		case "duration":
			return cmp.Compare(a.Session.Duration(), b.Session.Duration())
		case "status":
			return cmp.Compare(statusRank(&a.Session), statusRank(&b.Session))
		case "flags":
			return cmp.Compare(a.Flags, b.Flags)
		case "reviewed":
			return cmp.Compare(boolInt(a.Session.Reviewed), boolInt(b.Session.Reviewed))
		}
		t := proctor.ViolationType(key)
		return cmp.Compare(a.Counted[t], b.Counted[t])
	}
	slices.SortStableFunc(rows, func(a, b ListRow) int {
		c := cmpFn(&a, &b)
		if c == 0 { // ties: by name, then attempt, always ascending
			return cmp.Or(strings.Compare(strings.ToLower(a.Student.LastName), strings.ToLower(b.Student.LastName)),
				strings.Compare(strings.ToLower(a.Student.FirstName), strings.ToLower(b.Student.FirstName)),
				cmp.Compare(a.Session.Attempt, b.Session.Attempt))
		}
		if desc {
			return -c
		}
		return c
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
