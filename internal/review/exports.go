package review

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"vigil/internal/export"
	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// ExportRequest is what the export menu posts.
type ExportRequest struct {
	Scope proctor.ExportScope
	// SessionID for one session; ExamID for a whole exam or chosen
	// students, who are named by their sessions in SessionIDs.
	SessionID  int64
	ExamID     int64
	SessionIDs []int64
	Items      []string
}

// RequestExport checks a request against what the actor may see, then
// stores it and queues its build in one transaction.
func (s *Service) RequestExport(ctx context.Context, a Actor, r ExportRequest) (*proctor.Export, error) {
	items, err := proctor.ParseExportItems(r.Items)
	if err != nil {
		return nil, err
	}
	e := &proctor.Export{Scope: r.Scope, Items: items, State: proctor.ExportQueued, CreatedAt: s.now()}
	switch r.Scope {
	case proctor.ScopeSession:
		sess, exam, err := s.sessionScope(ctx, a, r.SessionID, s.canChange)
		if err != nil {
			return nil, err
		}
		e.CourseID, e.ExamID, e.SessionIDs = exam.CourseID, exam.ID, []int64{sess.ID}
	case proctor.ScopeExam, proctor.ScopeStudents:
		if err := s.examSessions(ctx, a, r, e); err != nil {
			return nil, err
		}
	default:
		return nil, proctor.E(proctor.CodeInvalid, "an export covers a session, an exam or chosen students, not %q", r.Scope)
	}
	e.UserID = a.User.ID // checked above: someone who may export
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateExport(ctx, e); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, jobargs.BuildExport{ExportID: e.ID}); err != nil {
			return err
		}
		names := make([]string, len(items))
		for i, it := range items {
			names[i] = string(it)
		}
		return s.audit(ctx, tx, a, proctor.AuditExportRequested, e.CourseID, fmt.Sprintf("export:%d", e.ID),
			fmt.Sprintf("%s: %d session(s); items %s", e.Scope, len(e.SessionIDs), strings.Join(names, ", ")))
	})
	return e, err
}

// examSessions fills an exam-wide or chosen-students export: every chosen
// session must be one of the exam's, or nothing is exported.
func (s *Service) examSessions(ctx context.Context, a Actor, r ExportRequest, e *proctor.Export) error {
	exam, err := s.AuthorizeExamChange(ctx, a, r.ExamID)
	if err != nil {
		return err
	}
	rows, err := s.store.ListExamSessions(ctx, exam.ID)
	if err != nil {
		return err
	}
	e.CourseID, e.ExamID = exam.CourseID, exam.ID
	inExam := map[int64]bool{}
	for _, row := range rows {
		inExam[row.Session.ID] = true
		if r.Scope == proctor.ScopeExam {
			e.SessionIDs = append(e.SessionIDs, row.Session.ID)
		}
	}
	if r.Scope == proctor.ScopeStudents {
		for _, id := range r.SessionIDs {
			if !inExam[id] {
				return proctor.E(proctor.CodeInvalid, "session %d is not a session of this exam; reload the Student List and choose again", id)
			}
			if !slices.Contains(e.SessionIDs, id) {
				e.SessionIDs = append(e.SessionIDs, id)
			}
		}
	}
	if len(e.SessionIDs) == 0 {
		if r.Scope == proctor.ScopeStudents {
			return proctor.E(proctor.CodeInvalid, "choose at least one student on the Student List")
		}
		return proctor.E(proctor.CodeInvalid, "this exam has no sessions to export yet")
	}
	slices.Sort(e.SessionIDs)
	return nil
}

// Exports lists the actor's own export requests, newest first.
func (s *Service) Exports(ctx context.Context, a Actor) ([]proctor.Export, error) {
	return s.store.ListExports(ctx, a.User.ID, 100)
}

// ExportRow is one of the actor's export requests, with its course's code
// and its exam's title ("" where they cannot be read).
type ExportRow struct {
	proctor.Export
	Course, Exam string
}

// ExportRows is Exports with the names the Exports page shows.
func (s *Service) ExportRows(ctx context.Context, a Actor) ([]ExportRow, error) {
	list, err := s.Exports(ctx, a)
	if err != nil {
		return nil, err
	}
	rows := make([]ExportRow, len(list))
	for i, e := range list {
		rows[i] = ExportRow{Export: e}
		if c, err := s.store.GetCourse(ctx, e.CourseID); err == nil {
			rows[i].Course = c.Code
		}
		if e.ExamID != 0 {
			if ex, err := s.store.GetExam(ctx, e.ExamID); err == nil {
				rows[i].Exam = ex.Title
			}
		}
	}
	return rows, nil
}

// ExportLinks signs and checks export download links for a server
// reached at baseURL.
func (s *Service) ExportLinks(ctx context.Context, baseURL string) (*export.Links, error) {
	return export.NewLinks(ctx, s.store, baseURL)
}

// Export returns one of the actor's exports for download: it must be
// theirs to ask about at all, and its course still one they may see.
func (s *Service) Export(ctx context.Context, a Actor, id int64) (*proctor.Export, error) {
	e, err := s.store.GetExport(ctx, id)
	if err != nil {
		return nil, notFound(err)
	}
	if err := s.canChange(ctx, a, e.CourseID); err != nil {
		return nil, err
	}
	return e, nil
}

// ExportFileName is the name an export's ZIP is saved under: the student's
// name and the exam for one session, the course, exam and count for more.
func (s *Service) ExportFileName(ctx context.Context, e *proctor.Export) (string, error) {
	course, err := s.store.GetCourse(ctx, e.CourseID)
	if err != nil {
		return "", err
	}
	var exam *proctor.Exam
	var student *proctor.Student
	if len(e.SessionIDs) == 1 {
		sess, err := s.store.GetSession(ctx, e.SessionIDs[0])
		if err != nil {
			return "", err
		}
		if student, err = s.store.GetStudent(ctx, sess.StudentID); err != nil {
			return "", err
		}
		e.ExamID = cmp.Or(e.ExamID, sess.ExamID)
	}
	if e.ExamID != 0 {
		if exam, err = s.store.GetExam(ctx, e.ExamID); err != nil {
			return "", err
		}
	}
	return export.FileName(e, course, exam, student), nil
}

// AuditDownload records a download, or a refused one with its reason.
func (s *Service) AuditDownload(ctx context.Context, a Actor, e *proctor.Export, refused string) error {
	action, detail := proctor.AuditExportDownloaded, fmt.Sprintf("%d bytes", e.Size)
	if refused != "" {
		action, detail = proctor.AuditExportRefused, refused
	}
	return s.audit(ctx, s.store, a, action, e.CourseID, fmt.Sprintf("export:%d", e.ID), detail)
}
