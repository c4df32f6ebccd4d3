package web

import (
	"net/http"

	"vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/review"
)

func (v *viewer) actor(r *http.Request) review.Actor {
	return review.Actor{User: v.User, Remote: remoteIP(r)}
}

func (s *Server) coursesPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	courses, err := s.Review.Courses(r.Context(), v.actor(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(courses) == 1 && r.URL.Query().Get("all") == "" {
		http.Redirect(w, r, "/courses/"+itoa(courses[0].ID), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "courses", page{Title: "Your courses", User: v.User, CSRF: v.CSRF, Data: courses})
}

func (s *Server) coursePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.CoursePage
	if err == nil {
		p, err = s.Review.Course(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	view := courseView{CoursePage: p, Requested: r.URL.Query().Get("requested") != "",
		StudentReview: studentReviewCourse{CourseID: p.Course.ID, MayChange: p.MayChange, CSRF: v.CSRF}}
	if view.StudentReview.On, err = s.Student.CourseOn(r.Context(), p.Course.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if s.LTI != nil {
		if !p.Course.Enabled {
			view.Pending, err = s.LTI.LMS.PendingRequest(r.Context(), p.Course.ID)
		} else if p.MayChange { // reviewers do not proctor quizzes
			view.Quizzes, err = s.LTI.LMS.CanvasQuizzes(r.Context(), v.User, p.Course.ID)
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "course", page{Title: p.Course.Title, User: v.User, CSRF: v.CSRF, Data: view})
}

// courseView is the course dashboard: the exams, and for an LMS course its
// enablement request or its Canvas quizzes.
type courseView struct {
	*review.CoursePage
	Pending   *proctor.CourseRequest
	Requested bool
	Quizzes   *lms.QuizList
	// StudentReview is the course's switch for students' own reviews.
	StudentReview studentReviewCourse
}

// sessionTabs are the session page's tabs, in order; the first is the default.
var sessionTabs = []struct{ ID, Label string }{
	{"video", "Video Monitoring"}, {"violations", "Online Violations"},
	{"scans", "Verification Scans"}, {"onboarding", "Onboarding"},
}

type sessionView struct {
	*review.SessionPage
	Tab  string
	Tabs []struct{ ID, Label string }
	CSRF string // for the tab templates, where $ is this view
	// LMSActions are the Assessment Control requests the LMS accepts for
	// this attempt (LTI Proctoring); LMSStatus what it last answered.
	LMSActions []string
	LMSStatus  string
	// Selected is the violation the page opens on (the URL's v, else the
	// first): the current incident beside the player.
	Selected int64
	// StudentReview: releasing the session to its student, and the
	// student's explanations beside each violation.
	StudentReview *studentReviewView
}

func (s *Server) sessionPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.SessionPage
	if err == nil {
		p, err = s.Review.Session(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tab := r.URL.Query().Get("tab")
	if !validTab(tab) {
		tab = sessionTabs[0].ID
	}
	title := p.Student.FullName() + " — " + p.Exam.Title
	view := sessionView{SessionPage: p, Tab: tab, Tabs: sessionTabs, CSRF: v.CSRF, LMSStatus: r.URL.Query().Get("lms"),
		Selected: selected(p.Violations, r.URL.Query().Get("v"))}
	if s.LTI != nil {
		if view.LMSActions, err = s.LTI.LMS.ControlActions(r.Context(), p.Session.ID); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if err := s.sessionStudentReview(r, v, &view); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "session", page{Title: title, User: v.User, CSRF: v.CSRF, Flash: r.URL.Query().Get("done"), Data: view})
}

// selected is the violation named by the URL's v when it is one of vs,
// else the first of vs (0 when there is none).
func selected(vs []proctor.Violation, v string) int64 {
	for i := range vs {
		if itoa(vs[i].ID) == v {
			return vs[i].ID
		}
	}
	if len(vs) > 0 {
		return vs[0].ID
	}
	return 0
}

func validTab(tab string) bool {
	for _, t := range sessionTabs {
		if t.ID == tab {
			return true
		}
	}
	return false
}

func (s *Server) timelineJSON(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !s.allowMedia(w, r, v, s.media.other) {
		return
	}
	id, err := pathID(r, "id")
	var t *review.Timeline
	if err == nil {
		t, err = s.Review.Timeline(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) decideViolation(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var vio *proctor.Violation
	if err == nil {
		vio, err = s.Review.Decide(r.Context(), v.actor(r), id, proctor.Decision(r.PostFormValue("decision")), r.PostFormValue("note"))
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := vio.Type.Label() + " at " + vio.Start.Local().Format("15:04:05") + ": " + vio.Decision.Label()
	http.Redirect(w, r, violationURL(vio, r.PostFormValue("tab"), msg), http.StatusSeeOther)
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Review.AddNote(r.Context(), v.actor(r), id, r.PostFormValue("note"))
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, sessionURL(id, r.PostFormValue("tab"), "Note added")+"#notes", http.StatusSeeOther)
}

func (s *Server) markReviewed(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	reviewed := r.PostFormValue("reviewed") == "true"
	if err == nil {
		err = s.Review.MarkReviewed(r.Context(), v.actor(r), id, reviewed)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "Marked as reviewed"
	if !reviewed {
		msg = "Marked as not reviewed"
	}
	http.Redirect(w, r, sessionURL(id, r.PostFormValue("tab"), msg), http.StatusSeeOther)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n"))
}
