package sqlstore

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// An LMS assessment's names (docs/LTI.md, "One assessment, one exam"):
// lms_assessment_keys holds each once per course, so two launches that
// race to make the assessment's exam cannot both attach it.

func (c *conn) ExamForAssessment(ctx context.Context, courseID int64, key proctor.AssessmentKey) (*proctor.Exam, error) {
	e, err := scanExam(c.r.QueryRowContext(ctx, `SELECT `+examCols+` FROM exams e
		WHERE e.id = (SELECT exam_id FROM lms_assessment_keys WHERE course_id = $1 AND kind = $2 AND lms_id = $3)`,
		courseID, string(key.Kind), key.ID))
	return e, wrap("exam for assessment", err)
}

func (c *conn) AttachAssessment(ctx context.Context, courseID int64, key proctor.AssessmentKey, examID int64) error {
	// DO NOTHING, then look: on PostgreSQL a name a concurrent transaction
	// attached (and this one could not see) is a serialization failure
	// there, and the transaction runs again.
	return c.atomic(ctx, func(c *conn) error {
		if err := c.exec(ctx, "attach assessment", `INSERT INTO lms_assessment_keys (course_id, kind, lms_id, exam_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (course_id, kind, lms_id) DO NOTHING`,
			courseID, string(key.Kind), key.ID, examID, ms(time.Now())); err != nil {
			return err
		}
		var held int64
		err := c.w.QueryRowContext(ctx, `SELECT exam_id FROM lms_assessment_keys WHERE course_id = $1 AND kind = $2 AND lms_id = $3`,
			courseID, string(key.Kind), key.ID).Scan(&held)
		if err != nil {
			return wrap("attach assessment", err)
		}
		if held != examID {
			return fmt.Errorf("sqlstore: attach assessment %s: it is exam %d's: %w", key, held, store.ErrConflict)
		}
		return nil
	})
}

func (c *conn) ListAssessments(ctx context.Context, courseID int64) ([]proctor.AssessmentLink, error) {
	return queryAll(ctx, c.r, "list assessments", `SELECT kind, lms_id, exam_id FROM lms_assessment_keys
		WHERE course_id = $1 ORDER BY kind, `+c.bytewise("lms_id"), func(sc scanner) (*proctor.AssessmentLink, error) {
		var a proctor.AssessmentLink
		var kind string
		err := sc.Scan(&kind, &a.ID, &a.ExamID)
		a.Kind = proctor.AssessmentKind(kind)
		return &a, err
	}, courseID)
}

func (c *conn) ExamMergedInto(ctx context.Context, examID int64) (int64, error) {
	var into int64
	err := c.r.QueryRowContext(ctx, `SELECT into_exam_id FROM exam_merges WHERE from_exam_id = $1`, examID).Scan(&into)
	return into, wrap("exam merged into", err)
}

func (c *conn) TakeMergedExams(ctx context.Context) ([]int64, error) {
	ids, err := queryAll(ctx, c.w, "take merged exams", `UPDATE exam_merges SET redecided = true WHERE NOT redecided
		RETURNING into_exam_id`, func(sc scanner) (*int64, error) {
		var id int64
		return &id, sc.Scan(&id)
	})
	// Several exams merged into one: it is decided again once.
	seen := map[int64]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, err
}
