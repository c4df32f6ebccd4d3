package lms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// DeepLink answers a deep linking request: it places a link to an exam in
// the course — an existing exam of the course (examID), or a new one named
// title — and returns where the browser posts the signed response. A
// request made from an LMS assessment that already has its exam (its
// Canvas quiz, custom canvas_quiz_id) places that exam, whatever was
// chosen: one assessment is one exam.
func (s *Service) DeepLink(ctx context.Context, who Who, course *proctor.Course, l *lti.Launch, examID int64, title string) (returnURL, jwt string, err error) {
	if l.DeepLinking == nil {
		return "", "", proctor.E(proctor.CodeInvalid, "this launch is not a deep linking request")
	}
	a := assessmentOf(l)
	var exam *proctor.Exam
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		exam, err = s.examFor(ctx, tx, course.ID, a, nil)
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if exam, err = s.chosenExam(ctx, tx, course, examID, title); err != nil {
			return err
		}
		return s.attach(ctx, tx, course.ID, a, exam.ID, nil)
	})
	if err != nil {
		return "", "", err
	}
	p, err := s.Store.GetPlatform(ctx, l.PlatformID)
	if err != nil {
		return "", "", err
	}
	custom := map[string]string{customExamID: strconv.FormatInt(exam.ID, 10)}
	if q := a.quizID(); q != "" {
		custom[customCanvasQuiz] = q // the link's launches name the quiz even where the LMS does not
	}
	item := lti.ContentItem{Title: exam.Title + " (proctored by Vigil)", URL: strings.TrimRight(s.Base, "/") + "/lti/exam", Custom: custom}
	jwt, err = s.Keys.DeepLinkingResponse(ctx, p, l, []lti.ContentItem{item}, "Vigil placed a link to "+exam.Title+".")
	if err != nil {
		return "", "", err
	}
	return l.DeepLinking.ReturnURL, jwt, s.audit(ctx, s.Store, who, proctor.AuditDeepLink, course.ID,
		fmt.Sprintf("exam:%d", exam.ID), "placed by deep linking")
}

// chosenExam is the exam the instructor picked, or a new one named title.
func (s *Service) chosenExam(ctx context.Context, tx store.Tx, course *proctor.Course, examID int64, title string) (*proctor.Exam, error) {
	if examID != 0 {
		e, err := tx.GetExam(ctx, examID)
		if err != nil || e.CourseID != course.ID {
			return nil, proctor.E(proctor.CodeNotFound, "no such exam in this course")
		}
		return e, nil
	}
	title = strings.TrimSpace(title)
	if title == "" || len(title) > 200 {
		return nil, proctor.E(proctor.CodeInvalid, "give the new exam a title (up to 200 characters)")
	}
	exam := &proctor.Exam{CourseID: course.ID, Title: title, Settings: proctor.DefaultSettings(), CreatedAt: s.Now()}
	return exam, tx.CreateExam(ctx, exam)
}
