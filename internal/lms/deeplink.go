package lms

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// DeepLink answers a deep linking request: it places a link to an exam in
// the course — an existing exam of the course (examID), or a new one named
// title — and returns where the browser posts the signed response.
func (s *Service) DeepLink(ctx context.Context, who Who, course *proctor.Course, l *lti.Launch, examID int64, title string) (returnURL, jwt string, err error) {
	if l.DeepLinking == nil {
		return "", "", proctor.E(proctor.CodeInvalid, "this launch is not a deep linking request")
	}
	var exam *proctor.Exam
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if examID != 0 {
			e, err := tx.GetExam(ctx, examID)
			if err != nil || e.CourseID != course.ID {
				return proctor.E(proctor.CodeNotFound, "no such exam in this course")
			}
			exam = e
			return nil
		}
		title = strings.TrimSpace(title)
		if title == "" || len(title) > 200 {
			return proctor.E(proctor.CodeInvalid, "give the new exam a title (up to 200 characters)")
		}
		exam = &proctor.Exam{CourseID: course.ID, Title: title, Settings: proctor.DefaultSettings(), CreatedAt: s.Now()}
		return tx.CreateExam(ctx, exam)
	})
	if err != nil {
		return "", "", err
	}
	p, err := s.Store.GetPlatform(ctx, l.PlatformID)
	if err != nil {
		return "", "", err
	}
	item := lti.ContentItem{Title: exam.Title + " (proctored by Vigil)", URL: strings.TrimRight(s.Base, "/") + "/lti/exam",
		Custom: map[string]string{"vigil_exam_id": strconv.FormatInt(exam.ID, 10)}}
	jwt, err = s.Keys.DeepLinkingResponse(ctx, p, l, []lti.ContentItem{item}, "Vigil placed a link to "+exam.Title+".")
	if err != nil {
		return "", "", err
	}
	return l.DeepLinking.ReturnURL, jwt, s.audit(ctx, s.Store, who, proctor.AuditDeepLink, course.ID,
		fmt.Sprintf("exam:%d", exam.ID), "placed by deep linking")
}
