package review

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// StudentListPage is an exam's Student List.
type StudentListPage struct {
	Course *proctor.Course
	Exam   *proctor.Exam
	Rows   []store.SessionRow
	// Students is the course roster, for issuing session links;
	// NotStarted those of them without a session of this exam.
	Students   []proctor.Student
	NotStarted []proctor.Student
	Sort       string
	Desc       bool
	// Reasons explain each analysed session's verdict in force, by session id.
	Reasons map[int64]analysis.Reason
	// MayChange: the viewer may export and issue links (not a reviewer).
	MayChange bool
}

// SortKeys are the Student List columns that sort, besides the violation
// types (sorted by their type name).
var SortKeys = []string{"first", "last", "attempt", "started", "duration", "status", "reviewed"}

// StudentList returns an exam's sessions sorted by key ("" means last name).
func (s *Service) StudentList(ctx context.Context, a Actor, examID int64, key string, desc bool) (*StudentListPage, error) {
	exam, err := s.store.GetExam(ctx, examID)
	if err != nil {
		return nil, notFound(err)
	}
	if err := s.canSee(ctx, a, exam.CourseID); err != nil {
		return nil, err
	}
	course, err := s.store.GetCourse(ctx, exam.CourseID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.ListExamSessions(ctx, examID)
	if err != nil {
		return nil, err
	}
	if !validSort(key) {
		key = "last"
	}
	sortRows(rows, key, desc)
	reasons, err := s.listReasons(ctx, exam, rows)
	if err != nil {
		return nil, err
	}
	students, err := s.store.ListStudents(ctx, exam.CourseID)
	p := &StudentListPage{Course: course, Exam: exam, Rows: rows, Students: students, Sort: key, Desc: desc, Reasons: reasons,
		MayChange: s.canChange(ctx, a, exam.CourseID) == nil}
	started := map[int64]bool{}
	for _, r := range rows {
		started[r.Student.ID] = true
	}
	for _, st := range students {
		if !started[st.ID] {
			p.NotStarted = append(p.NotStarted, st)
		}
	}
	return p, err
}

func validSort(key string) bool {
	return slices.Contains(SortKeys, key) || proctor.ViolationType(key).Valid()
}

// statusRank orders sessions by how much attention they need: failed first.
func statusRank(s *proctor.Session) int {
	switch {
	case s.Verdict == proctor.VerdictFail:
		return 0
	case s.Verdict == proctor.VerdictPass:
		return 2
	}
	return 1
}

func sortRows(rows []store.SessionRow, key string, desc bool) {
	cmpFn := func(a, b *store.SessionRow) int {
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
		case "reviewed":
			return cmp.Compare(boolInt(a.Session.Reviewed), boolInt(b.Session.Reviewed))
		}
		t := proctor.ViolationType(key)
		return cmp.Compare(a.Counts[t], b.Counts[t])
	}
	slices.SortStableFunc(rows, func(a, b store.SessionRow) int {
		c := cmpFn(&a, &b)
		if c == 0 { // ties: by name, then attempt, always ascending
			c = cmp.Or(strings.Compare(strings.ToLower(a.Student.LastName), strings.ToLower(b.Student.LastName)),
				strings.Compare(strings.ToLower(a.Student.FirstName), strings.ToLower(b.Student.FirstName)),
				cmp.Compare(a.Session.Attempt, b.Session.Attempt))
			return c
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
