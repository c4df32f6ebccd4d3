package store

import (
	"context"
	"time"

	"vigil/internal/proctor"
)

// Retention holds how long media is kept and carries out its deletion.
// A course's overrides are its proctor.Course.Retention.
type Retention interface {
	// InstitutionRetention returns the institution's defaults, or
	// proctor.DefaultRetention while none have been set.
	InstitutionRetention(ctx context.Context) (proctor.Retention, error)
	SetInstitutionRetention(ctx context.Context, r proctor.Retention, by int64, at time.Time) error
	// SetCourseRetention sets a course's overrides; a zero field goes back
	// to the institution's default.
	SetCourseRetention(ctx context.Context, courseID int64, r proctor.Retention) error

	// ExpiredMedia lists ended sessions still holding media whose period
	// (their course's, or inst's where the course has none) is over at
	// now, the longest ended first, at most limit.
	ExpiredMedia(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]MediaExpiry, error)
	// SessionMediaKeys lists the blob keys of a session's media rows:
	// frames, video and audio chunks and verification photos, never
	// onboarding photos.
	SessionMediaKeys(ctx context.Context, sessionID int64) ([]string, error)
	// PurgeSessionMedia deletes those rows and the signals and analysis
	// state derived from them, and records on the session when and how
	// much. The session, its events, violations, decisions, notes and
	// verdicts stay. ErrConflict when it was purged already.
	PurgeSessionMedia(ctx context.Context, sessionID int64, at time.Time) (proctor.MediaCounts, error)

	// ExpiredOnboarding lists onboarding photos older than their course's
	// period (or inst's) at now, by student, at most limit.
	ExpiredOnboarding(ctx context.Context, inst proctor.Retention, now time.Time, limit int) ([]OnboardingExpiry, error)
	// DeleteOnboardingPhotos deletes those of ids that are a student's
	// onboarding photos, records at on the student, and returns how many
	// it deleted.
	DeleteOnboardingPhotos(ctx context.Context, studentID int64, ids []int64, at time.Time) (int, error)
}

// MediaExpiry is a session whose media is due for deletion.
type MediaExpiry struct {
	SessionID  int64
	CourseID   int64
	FinishedAt time.Time
	Days       int // the period that applied
}

// OnboardingExpiry is an onboarding photo due for deletion.
type OnboardingExpiry struct {
	Photo    proctor.Photo
	CourseID int64
	Days     int
}
