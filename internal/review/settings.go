package review

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// SettingsPage is an exam's proctoring settings and accommodations.
type SettingsPage struct {
	Course         *proctor.Course
	Exam           *proctor.Exam
	Students       []proctor.Student
	Accommodations map[int64]*proctor.Accommodation // by student
	// Purged counts the exam's sessions whose media (and signals) the
	// retention policy deleted: a change here does not re-decide them.
	Purged int
	// MayChange: the viewer may save settings and accommodations (not a
	// reviewer, who reads them).
	MayChange bool
}

// StudentName is a student's "First Last" for the page.
func (p *SettingsPage) StudentName(id int64) string {
	for _, s := range p.Students {
		if s.ID == id {
			return s.FullName()
		}
	}
	return fmt.Sprint("student ", id)
}

// ExamSettings loads the settings page of an exam.
func (s *Service) ExamSettings(ctx context.Context, a Actor, examID int64) (*SettingsPage, error) {
	exam, err := s.store.GetExam(ctx, examID)
	if err != nil {
		return nil, notFound(err)
	}
	if err := s.canSee(ctx, a, exam.CourseID); err != nil {
		return nil, err
	}
	p := &SettingsPage{Exam: exam, Accommodations: map[int64]*proctor.Accommodation{}, MayChange: s.canChange(ctx, a, exam.CourseID) == nil}
	if p.Course, err = s.store.GetCourse(ctx, exam.CourseID); err != nil {
		return nil, err
	}
	if p.Students, err = s.store.ListStudents(ctx, exam.CourseID); err != nil {
		return nil, err
	}
	accs, err := s.store.ListAccommodations(ctx, examID)
	if err != nil {
		return nil, err
	}
	for i := range accs {
		p.Accommodations[accs[i].StudentID] = &accs[i]
	}
	rows, err := s.store.ListExamSessions(ctx, examID)
	for _, r := range rows {
		if r.Session.MediaPurged() {
			p.Purged++
		}
	}
	return p, err
}

// UpdateSettings stores an exam's new settings and has every decided
// session of the exam decided again from its stored signals.
func (s *Service) UpdateSettings(ctx context.Context, a Actor, examID int64, next proctor.Settings) error {
	if err := next.Validate(); err != nil {
		return err
	}
	exam, err := s.store.GetExam(ctx, examID)
	if err != nil {
		return notFound(err)
	}
	if err := s.canChange(ctx, a, exam.CourseID); err != nil {
		return err
	}
	detail, _ := json.Marshal(next)
	return s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.UpdateExamSettings(ctx, examID, next, s.now()); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, jobargs.Redecide{ExamID: examID}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, proctor.AuditExamSettings, exam.CourseID, fmt.Sprintf("exam:%d", examID), string(detail))
	})
}

// SetAccommodation stores (or clears) one student's accommodation for an
// exam and re-decides that student's sessions of it.
func (s *Service) SetAccommodation(ctx context.Context, a Actor, acc *proctor.Accommodation) error {
	exam, err := s.store.GetExam(ctx, acc.ExamID)
	if err != nil {
		return notFound(err)
	}
	if err := s.canChange(ctx, a, exam.CourseID); err != nil {
		return err
	}
	student, err := s.store.GetStudent(ctx, acc.StudentID)
	if err != nil || student.CourseID != exam.CourseID {
		return errNotFound
	}
	for _, t := range acc.Off {
		if !t.Valid() {
			return proctor.E(proctor.CodeInvalid, "unknown violation type %q", t)
		}
	}
	if len(acc.Note) > maxNote {
		return proctor.E(proctor.CodeInvalid, "the note is longer than %d characters", maxNote)
	}
	for i, k := range acc.AllowedKeys {
		if acc.AllowedKeys[i] = proctor.NormalizeCombo(k); acc.AllowedKeys[i] == "" {
			return proctor.E(proctor.CodeInvalid, "%q is not a key combination (write it like Ctrl+V)", k)
		}
	}
	acc.Off = slices.Compact(slices.Sorted(slices.Values(acc.Off)))
	acc.UpdatedBy, acc.UpdatedAt = a.User.ID, s.now()
	return s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetAccommodation(ctx, acc); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, jobargs.Redecide{ExamID: acc.ExamID, StudentID: acc.StudentID}); err != nil {
			return err
		}
		detail := fmt.Sprintf("off=%v allowed_apps=%v allowed_keys=%v note=%q", acc.Off, acc.AllowedApps, acc.AllowedKeys, acc.Note)
		return s.audit(ctx, tx, a, proctor.AuditAccommodation, exam.CourseID,
			fmt.Sprintf("exam:%d student:%d", acc.ExamID, acc.StudentID), detail)
	})
}

// RedecideMerged has the decided sessions of every exam that others were
// merged into (migration 0011: one LMS assessment, one exam) decided again
// under its settings — those came from the exam the instructor changed
// last, not always the one a session was decided under. Each merge is
// queued once; vigil migrate calls this after migrating.
func (s *Service) RedecideMerged(ctx context.Context) (int, error) {
	var n int
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		ids, err := tx.TakeMergedExams(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.Enqueue(ctx, jobargs.Redecide{ExamID: id}); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
