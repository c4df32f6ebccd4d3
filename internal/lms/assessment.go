package lms

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// One LMS assessment (a quiz, a test, an activity) is one Vigil exam,
// whichever way reaches it first: a deep linking request made from it,
// its Canvas quiz id ("Proctor with Vigil" on the dashboard), an LTI
// Proctoring launch, or a resource link launch. Each way names the
// assessment by what it knows (an AssessmentKey), the names are attached
// to the exam, and a name is attached once per course (the store refuses a
// second), so every way finds the same exam, in any order and however many
// launches race. docs/LTI.md, "One assessment, one exam", states the rules.

// Custom parameters that name an assessment.
const (
	// customExamID is the exam a link Vigil placed by deep linking opens.
	customExamID = "vigil_exam_id"
	// customCanvasQuiz is the Canvas quiz a launch is for.
	customCanvasQuiz = "canvas_quiz_id"
)

// assessment is what a launch (or a dashboard action) says of the LMS
// assessment it is for.
type assessment struct {
	keys []proctor.AssessmentKey
	// examID is the exam a link Vigil placed names (custom vigil_exam_id):
	// it is the assessment's exam when none of its keys is attached yet.
	examID int64
}

// assessmentOf reads the names of a launch's assessment: its resource link
// (resource link launches and LTI Proctoring messages; a deep linking
// request has none of its own), the Canvas quiz id the platform sends in
// custom canvas_quiz_id, and the exam a link Vigil placed names.
func assessmentOf(l *lti.Launch) assessment {
	var a assessment
	if id := l.ResourceLink.ID; id != "" && l.MessageType != lti.MsgDeepLinking {
		a.keys = append(a.keys, proctor.AssessmentKey{Kind: proctor.AssessmentResourceLink, ID: id})
	}
	if q := strings.TrimSpace(l.Custom[customCanvasQuiz]); canvasID(q) {
		a.keys = append(a.keys, proctor.AssessmentKey{Kind: proctor.AssessmentCanvasQuiz, ID: q})
	}
	if id, err := strconv.ParseInt(l.Custom[customExamID], 10, 64); err == nil && id > 0 {
		a.examID = id
	}
	return a
}

// canvasQuiz is the assessment a Canvas quiz is.
func canvasQuiz(quizID string) assessment {
	return assessment{keys: []proctor.AssessmentKey{{Kind: proctor.AssessmentCanvasQuiz, ID: quizID}}}
}

// canvasID: Canvas ids are decimal numbers. A platform that cannot expand a
// substitution variable sends its name ("$Canvas…") instead, which names
// nothing.
func canvasID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// quizID is the Canvas quiz an assessment names, or "".
func (a assessment) quizID() string {
	for _, k := range a.keys {
		if k.Kind == proctor.AssessmentCanvasQuiz {
			return k.ID
		}
	}
	return ""
}

// examFor finds the exam of an assessment in a course: the one a name of
// it is attached to, else the exam its link names (followed through a
// merge), else — when newExam is given — a new exam; then it attaches to
// that exam every name not attached yet. No exam: store.ErrNotFound.
//
// In tx, two launches cannot both make the exam: on SQLite write
// transactions take turns, and on PostgreSQL (serializable) the second
// one's attach fails to serialize and its transaction runs again, finding
// the first one's exam.
func (s *Service) examFor(ctx context.Context, tx store.Tx, courseID int64, a assessment, newExam func() *proctor.Exam) (*proctor.Exam, error) {
	exam, held, err := s.attachedExam(ctx, tx, courseID, a)
	if err != nil {
		return nil, err
	}
	if exam == nil && a.examID != 0 {
		if exam, err = s.linkedExam(ctx, tx, courseID, a.examID); err != nil {
			return nil, err
		}
	}
	if exam == nil {
		if newExam == nil {
			return nil, store.ErrNotFound
		}
		exam = newExam()
		if err := tx.CreateExam(ctx, exam); err != nil {
			return nil, err
		}
	}
	return exam, s.attach(ctx, tx, courseID, a, exam.ID, held)
}

// attachedExam returns the exam the first attached name of a is attached
// to, and which names are attached (to it or to another exam).
func (s *Service) attachedExam(ctx context.Context, tx store.Tx, courseID int64, a assessment) (*proctor.Exam, map[proctor.AssessmentKey]int64, error) {
	var exam *proctor.Exam
	held := map[proctor.AssessmentKey]int64{}
	for _, k := range a.keys {
		e, err := tx.ExamForAssessment(ctx, courseID, k)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		held[k] = e.ID
		if exam == nil {
			exam = e
		} else if e.ID != exam.ID {
			// Two exams made before Vigil could tell they were one
			// assessment: the launch opens the first; merging them is
			// for people (their sessions stay apart).
			s.Log.Warn("one LMS assessment names two exams", "course", courseID, "exam", exam.ID, "other", e.ID, "name", k.String())
		}
	}
	return exam, held, nil
}

// linkedExam is the exam a placed link names, if it is in this course (an
// exam merged away leads to the one it became).
func (s *Service) linkedExam(ctx context.Context, q store.Queries, courseID, examID int64) (*proctor.Exam, error) {
	for range 3 {
		e, err := q.GetExam(ctx, examID)
		if err == nil {
			if e.CourseID != courseID {
				return nil, nil
			}
			return e, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if examID, err = q.ExamMergedInto(ctx, examID); errors.Is(err, store.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// attach attaches a's names that are not yet attached to examID; a name
// another exam holds stays with it.
func (s *Service) attach(ctx context.Context, tx store.Tx, courseID int64, a assessment, examID int64, held map[proctor.AssessmentKey]int64) error {
	for _, k := range a.keys {
		if _, ok := held[k]; ok {
			continue
		}
		if err := tx.AttachAssessment(ctx, courseID, k, examID); err != nil {
			return err
		}
	}
	return nil
}
