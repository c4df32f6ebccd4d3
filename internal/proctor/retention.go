package proctor

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Retention is how long media is kept, in whole days. As an institution's
// policy both fields are set; as a course's override a zero field means
// "the institution's default".
type Retention struct {
	// MediaDays counts from the end of a session (submitted or expired):
	// its frames, recordings, audio and verification photos.
	MediaDays int
	// OnboardingDays counts from when each onboarding photo arrived.
	OnboardingDays int
}

// DefaultRetention applies while an administrator has set nothing.
var DefaultRetention = Retention{MediaDays: 180, OnboardingDays: 365}

// Bounds of a retention period: at least a day, at most ten years.
const (
	MinRetentionDays = 1
	MaxRetentionDays = 3650
)

// Day is the retention unit. Periods are counted in 24-hour days from a
// UTC instant, so a period does not shift with daylight saving time.
const Day = 24 * time.Hour

// Apply returns the retention a course gets: its overrides, and the
// institution's r where it has none.
func (r Retention) Apply(course Retention) Retention {
	if course.MediaDays != 0 {
		r.MediaDays = course.MediaDays
	}
	if course.OnboardingDays != 0 {
		r.OnboardingDays = course.OnboardingDays
	}
	return r
}

// Validate checks an institution policy (both fields set) or, with
// override, a course's (a zero field allowed).
func (r Retention) Validate(override bool) error {
	for _, f := range []struct {
		name string
		days int
	}{{"session media", r.MediaDays}, {"onboarding photos", r.OnboardingDays}} {
		if f.days == 0 && override {
			continue
		}
		if f.days < MinRetentionDays || f.days > MaxRetentionDays {
			return E(CodeInvalid, "%s: keep for %d to %d days (got %d)", f.name, MinRetentionDays, MaxRetentionDays, f.days)
		}
	}
	return nil
}

// ParseRetentionDays reads a period typed into a form: whole days from 1
// to 3650, or, when empty is allowed, nothing (0: the institution's default).
func ParseRetentionDays(field, raw string, emptyAllowed bool) (int, error) {
	raw = strings.TrimSpace(raw)
	hint := fmt.Sprintf("enter whole days from %d to %d", MinRetentionDays, MaxRetentionDays)
	if emptyAllowed {
		hint += ", or leave it empty for the institution's default"
	}
	if raw == "" {
		if emptyAllowed {
			return 0, nil
		}
		return 0, E(CodeInvalid, "%s: %s", field, hint)
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < MinRetentionDays || n > MaxRetentionDays {
		return 0, E(CodeInvalid, "%s: %s (got %q)", field, hint, raw)
	}
	return n, nil
}

// MediaExpiresAt is when a session's media falls due for deletion under a
// period of days; zero while the session has not ended.
func (s *Session) MediaExpiresAt(days int) time.Time {
	if s.FinishedAt.IsZero() {
		return time.Time{}
	}
	return s.FinishedAt.Add(time.Duration(days) * Day)
}

// MediaPurged reports whether the session's media was deleted under the
// retention policy (its summary, violations and notes are kept).
func (s *Session) MediaPurged() bool { return !s.MediaPurgedAt.IsZero() }

// MediaCounts is what a session held when its media was deleted, so the
// summary can still say what was recorded.
type MediaCounts struct {
	Frames int64 // webcam stills
	Chunks int64 // video chunks, every stream
	Audio  int64 // audio chunks
	Photos int64 // verification photos (onboarding photos have their own period)
	Bytes  int64 // their total size
}

// Total is the number of objects.
func (c MediaCounts) Total() int64 { return c.Frames + c.Chunks + c.Audio + c.Photos }

// String reads "120 frames, 3 video chunks, 10 audio chunks, 2 verification
// photos (4.2 MB)".
func (c MediaCounts) String() string {
	return fmt.Sprintf("%d frames, %d video chunks, %d audio chunks, %d verification photos (%s)",
		c.Frames, c.Chunks, c.Audio, c.Photos, FormatBytes(c.Bytes))
}

// FormatBytes writes a size for people: "512 B", "4.2 MB".
func FormatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// Audit actions of retention.
const (
	// AuditRetentionPurged: media deleted under the retention policy;
	// the subject is "session:ID" or, for onboarding photos, "student:ID".
	AuditRetentionPurged = "retention.purged"
	// AuditRetentionSettings: the institution's defaults (course 0) or a
	// course's overrides changed; the detail says old → new.
	AuditRetentionSettings = "retention.settings"
	// AuditLogExported: an administrator downloaded audit entries.
	AuditLogExported = "audit.export"
)

// SystemActor names the entries Vigil writes by itself (periodic jobs).
const SystemActor = "system"
