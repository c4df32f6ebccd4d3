package web

import (
	"net/http"
	"net/url"
	"strconv"

	"vigil/internal/proctor"
	"vigil/internal/review"
)

// retentionView is the admin page's retention section: a form for the
// institution's defaults and one per course. A refused form shows what was
// typed, with the reason beside it.
type retentionView struct {
	Institution retentionRow
	Courses     []retentionRow
	Default     proctor.Retention
	// failed is the refused form: -1 none, 0 the institution's, or a course.
	failed int64
	typed  review.RetentionForm
	err    string
}

// retentionRow is one form: the values in its fields and, for a course,
// what applies to it.
type retentionRow struct {
	Course            *proctor.Course
	Media, Onboarding string
	Effective         proctor.Retention
	Error             string
}

func (s *Server) fillRetention(r *http.Request, v *viewer, rv *retentionView) error {
	p, err := s.Review.Retention(r.Context(), v.actor(r))
	if err != nil {
		return err
	}
	if rv.err == "" {
		rv.failed = -1
	}
	rv.Default = proctor.DefaultRetention
	rv.Institution = rv.row(0, nil, p.Institution, p.Institution)
	for i := range p.Courses {
		c := &p.Courses[i]
		rv.Courses = append(rv.Courses, rv.row(c.ID, c, c.Retention, p.Effective(*c)))
	}
	return nil
}

// row is a form showing stored days (0: empty), or what was typed when
// this form was refused.
func (rv *retentionView) row(id int64, c *proctor.Course, stored, effective proctor.Retention) retentionRow {
	days := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	row := retentionRow{Course: c, Media: days(stored.MediaDays), Onboarding: days(stored.OnboardingDays), Effective: effective}
	if rv.failed == id {
		row.Media, row.Onboarding, row.Error = rv.typed.Media, rv.typed.Onboarding, rv.err
	}
	return row
}

func retentionForm(r *http.Request) review.RetentionForm {
	return review.RetentionForm{Media: r.PostFormValue("media_days"), Onboarding: r.PostFormValue("onboarding_days")}
}

// saveInstitutionRetention changes the institution's defaults.
func (s *Server) saveInstitutionRetention(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := retentionForm(r)
	due, err := s.Review.SetInstitutionRetention(r.Context(), v.actor(r), f)
	s.retentionSaved(w, r, v, err, due, retentionView{failed: 0, typed: f}, "Institution retention saved.")
}

// saveCourseRetention changes one course's overrides.
func (s *Server) saveCourseRetention(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := retentionForm(r)
	due, err := s.Review.SetCourseRetention(r.Context(), v.actor(r), id, f)
	s.retentionSaved(w, r, v, err, due, retentionView{failed: id, typed: f}, "Course retention saved.")
}

// retentionSaved shows the admin page again with the reason when a form
// was refused (nothing changed, nothing typed lost), and otherwise what
// the next purge will delete.
func (s *Server) retentionSaved(w http.ResponseWriter, r *http.Request, v *viewer, err error, due *review.Due, rv retentionView, msg string) {
	if e := appError(err); err != nil && e.Code == proctor.CodeInvalid {
		rv.err = e.Message
		s.renderAdmin(w, r, v, http.StatusBadRequest, adminView{Error: "Retention not changed. " + e.Message, Retention: rv})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?done="+url.QueryEscape(msg+" "+due.Message())+"#retention", http.StatusSeeOther)
}
