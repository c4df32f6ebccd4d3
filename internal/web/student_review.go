package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/student"
)

// The instructors' side of student review: the course's switch, releasing
// a session, and the explanations on the session page and Student List
// (templates/partial_student_review.html).

// saveStudentReview switches a course's student review on or off.
func (s *Server) saveStudentReview(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Student.SetCourse(r.Context(), v.actor(r), id, r.PostFormValue("enabled") == "on")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/courses/%d#student-review-setting", id), http.StatusSeeOther)
}

// releaseReview lets a session's student see its flags and explain them
// until the date given (the end of that day, on the server's clock).
func (s *Server) releaseReview(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var until time.Time
	if err == nil {
		until, err = time.ParseInLocation("2006-01-02", r.PostFormValue("until"), time.Local)
		if err != nil {
			err = proctor.E(proctor.CodeInvalid, "give the date until which the student may explain (year-month-day)")
		}
	}
	var rel *proctor.ReviewRelease
	if err == nil {
		rel, err = s.Student.Release(r.Context(), v.actor(r), id, until.Add(24*time.Hour-time.Second))
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "Released to the student: they can explain each flag until " + fmtTime(rel.ExplainUntil, "2 Jan 2006 15:04 MST") + "."
	http.Redirect(w, r, fmt.Sprintf("/sessions/%d?tab=violations&done=%s#student-review", id, url.QueryEscape(msg)), http.StatusSeeOther)
}

// studentReviewView is the session page's student-review part.
type studentReviewView struct {
	*student.Panel
	SessionID int64
	CSRF      string
	MayChange bool
	// Analyzed: the session can be released.
	Analyzed bool
}

// For is the student's explanation of a violation, if any.
func (v *studentReviewView) For(x proctor.Violation) *proctor.Explanation {
	if v == nil {
		return nil
	}
	return v.Explanation(x)
}

// sessionStudentReview loads it for a session page already authorised.
func (s *Server) sessionStudentReview(r *http.Request, v *viewer, sv *sessionView) error {
	p, err := s.Student.SessionPanel(r.Context(), v.actor(r), sv.Session.ID)
	if err != nil {
		return err
	}
	sv.StudentReview = &studentReviewView{Panel: p, SessionID: sv.Session.ID, CSRF: v.CSRF, MayChange: sv.MayChange,
		Analyzed: sv.Session.State == proctor.StateAnalyzed}
	return nil
}

// studentReviewCourse is the course page's switch.
type studentReviewCourse struct {
	CourseID  int64
	On        bool
	MayChange bool
	CSRF      string
}
