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

// Placement is what an instructor chose to place by deep linking: the
// course dashboard, an existing exam (ExamID) or a new one named Title.
type Placement struct {
	Dashboard bool
	ExamID    int64
	Title     string
	// Suffix adds " (proctored by Vigil)" to the link's title in the LMS.
	Suffix bool
}

// Custom parameters of the links Vigil places.
const (
	// customTarget names what a placed link opens when it is not an exam:
	// "dashboard". A link keeps its meaning when the LMS changes the tool's
	// URL (Moodle retargets every activity of the tool).
	customTarget    = "vigil_target"
	targetDashboard = "dashboard"
	// placedSuffix marks a link's title in the LMS as Vigil's.
	placedSuffix = " (proctored by Vigil)"
)

// DeepLink answers a deep linking request: it places a link in the course
// — the course dashboard, an existing exam of the course, or a new one —
// and returns where the browser posts the signed response. One tool
// serves both: an LMS that gives each tool its own client id (Moodle)
// would otherwise make the dashboard a second registration, and so a
// second course. A request made from an LMS assessment that already has
// its exam (its Canvas quiz, custom canvas_quiz_id) places that exam,
// whatever was chosen: one assessment is one exam.
func (s *Service) DeepLink(ctx context.Context, who Who, course *proctor.Course, l *lti.Launch, choice Placement) (returnURL, jwt string, err error) {
	if l.DeepLinking == nil {
		return "", "", proctor.E(proctor.CodeInvalid, "this launch is not a deep linking request")
	}
	a := assessmentOf(l)
	if choice.Dashboard && len(a.keys) > 0 {
		return "", "", proctor.E(proctor.CodeInvalid, "this request was made from a quiz: it places the quiz's exam, not the dashboard")
	}
	var item lti.ContentItem
	subject := "dashboard"
	if choice.Dashboard {
		item = lti.ContentItem{Title: "Proctoring dashboard (Vigil)", URL: strings.TrimRight(s.Base, "/") + "/lti/dashboard",
			Custom: map[string]string{customTarget: targetDashboard}}
	} else {
		var exam *proctor.Exam
		err = s.Store.InTx(ctx, func(tx store.Tx) error {
			var err error
			exam, err = s.examFor(ctx, tx, course.ID, a, nil)
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if exam, err = s.chosenExam(ctx, tx, course, choice.ExamID, choice.Title); err != nil {
				return err
			}
			return s.attach(ctx, tx, course.ID, a, exam.ID, nil)
		})
		if err != nil {
			return "", "", err
		}
		custom := map[string]string{customExamID: strconv.FormatInt(exam.ID, 10)}
		if q := a.quizID(); q != "" {
			custom[customCanvasQuiz] = q // the link's launches name the quiz even where the LMS does not
		}
		title := exam.Title
		if choice.Suffix {
			title += placedSuffix
		}
		item = lti.ContentItem{Title: title, URL: strings.TrimRight(s.Base, "/") + "/lti/exam", Custom: custom}
		subject = fmt.Sprintf("exam:%d", exam.ID)
	}
	p, err := s.Store.GetPlatform(ctx, l.PlatformID)
	if err != nil {
		return "", "", err
	}
	jwt, err = s.Keys.DeepLinkingResponse(ctx, p, l, []lti.ContentItem{item}, "Vigil placed a link: "+item.Title+".")
	if err != nil {
		return "", "", err
	}
	return l.DeepLinking.ReturnURL, jwt, s.audit(ctx, s.Store, who, proctor.AuditDeepLink, course.ID, subject, "placed by deep linking")
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
