package review

import (
	"context"
	"fmt"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// requireAdmin refuses everyone but administrators, as not found (the
// dashboard does not tell others what exists).
func requireAdmin(a Actor) error {
	if a.User == nil || a.User.Role != proctor.RoleAdmin {
		return errNotFound
	}
	return nil
}

// RetentionPage is the administrators' retention settings: the
// institution's defaults and every course with its overrides.
type RetentionPage struct {
	Institution proctor.Retention
	Courses     []proctor.Course
}

// Effective is a course's retention under the institution's defaults.
func (p *RetentionPage) Effective(c proctor.Course) proctor.Retention {
	return p.Institution.Apply(c.Retention)
}

// Retention loads the retention settings (administrators only).
func (s *Service) Retention(ctx context.Context, a Actor) (*RetentionPage, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	inst, err := s.store.InstitutionRetention(ctx)
	if err != nil {
		return nil, err
	}
	courses, err := s.store.ListCoursesForUser(ctx, a.User.ID)
	return &RetentionPage{Institution: inst, Courses: courses}, err
}

// RetentionForm is a retention form as typed: whole days, or empty for a
// course that follows the institution.
type RetentionForm struct {
	Media, Onboarding string
}

// parse reads the form; override allows empty fields.
func (f RetentionForm) parse(override bool) (proctor.Retention, error) {
	var r proctor.Retention
	var err error
	if r.MediaDays, err = proctor.ParseRetentionDays("Session media", f.Media, override); err != nil {
		return r, err
	}
	r.OnboardingDays, err = proctor.ParseRetentionDays("Onboarding photos", f.Onboarding, override)
	return r, err
}

// SetInstitutionRetention changes the institution's defaults. Media
// already older than a shortened period goes at the next purge.
func (s *Service) SetInstitutionRetention(ctx context.Context, a Actor, f RetentionForm) (*Due, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	next, err := f.parse(false)
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		old, err := tx.InstitutionRetention(ctx)
		if err != nil || old == next {
			return err
		}
		if err := tx.SetInstitutionRetention(ctx, next, a.User.ID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, proctor.AuditRetentionSettings, 0, "retention:institution", change(old, next, proctor.Retention{}))
	})
	if err != nil {
		return nil, err
	}
	return s.due(ctx, next)
}

// SetCourseRetention changes a course's overrides (an empty field: the
// institution's default).
func (s *Service) SetCourseRetention(ctx context.Context, a Actor, courseID int64, f RetentionForm) (*Due, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	next, err := f.parse(true)
	if err != nil {
		return nil, err
	}
	var inst proctor.Retention
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		c, err := tx.GetCourse(ctx, courseID)
		if err != nil {
			return notFound(err)
		}
		if inst, err = tx.InstitutionRetention(ctx); err != nil || c.Retention == next {
			return err
		}
		if err := tx.SetCourseRetention(ctx, courseID, next); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, proctor.AuditRetentionSettings, courseID, fmt.Sprintf("course:%d", courseID),
			c.Code+": "+change(c.Retention, next, inst))
	})
	if err != nil {
		return nil, err
	}
	return s.due(ctx, inst)
}

// change writes "session media 180 → 90 days; onboarding photos 365 →
// 365 days"; with inst set, a zero period reads "institution default (N)".
func change(old, next, inst proctor.Retention) string {
	days := func(n, def int) string {
		if n == 0 {
			return fmt.Sprintf("institution default (%d days)", def)
		}
		return fmt.Sprintf("%d days", n)
	}
	return fmt.Sprintf("session media %s → %s; onboarding photos %s → %s",
		days(old.MediaDays, inst.MediaDays), days(next.MediaDays, inst.MediaDays),
		days(old.OnboardingDays, inst.OnboardingDays), days(next.OnboardingDays, inst.OnboardingDays))
}

// Due is what the next purge will delete, so an administrator who
// shortened a period sees at once what it means.
type Due struct {
	Sessions, Photos int
	// More: there are more than the counts say (they stop at dueLimit).
	More bool
}

// dueLimit bounds the count after a settings change.
const dueLimit = 10000

func (s *Service) due(ctx context.Context, inst proctor.Retention) (*Due, error) {
	sessions, err := s.store.ExpiredMedia(ctx, inst, s.now(), dueLimit)
	if err != nil {
		return nil, err
	}
	photos, err := s.store.ExpiredOnboarding(ctx, inst, s.now(), dueLimit)
	return &Due{Sessions: len(sessions), Photos: len(photos), More: len(sessions) == dueLimit || len(photos) == dueLimit}, err
}

// Message says what the next purge deletes, for the page after a save.
func (d *Due) Message() string {
	if d.Sessions == 0 && d.Photos == 0 {
		return "Nothing is past its retention period now."
	}
	more := ""
	if d.More {
		more = "at least "
	}
	return fmt.Sprintf("The next purge (within the hour) deletes the media of %s%d session(s) and %s%d onboarding photo(s) now past their period.",
		more, d.Sessions, more, d.Photos)
}

// CourseRetention is a course's retention as its dashboard shows it.
type CourseRetention struct {
	Effective proctor.Retention
	// MediaOverride and OnboardingOverride: the course's own period, not
	// the institution's.
	MediaOverride, OnboardingOverride bool
}

func (s *Service) courseRetention(ctx context.Context, c *proctor.Course) (CourseRetention, error) {
	inst, err := s.store.InstitutionRetention(ctx)
	return CourseRetention{Effective: inst.Apply(c.Retention), MediaOverride: c.Retention.MediaDays != 0,
		OnboardingOverride: c.Retention.OnboardingDays != 0}, err
}
