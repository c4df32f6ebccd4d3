package jobs

import (
	"testing"
	"time"

	"vigil/internal/jobargs"
)

// TestMailRetrySchedule: the waits between a message's attempts add up to
// what MailAttempts' comment and docs/OPERATIONS.md say, about 14.5 hours.
func TestMailRetrySchedule(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < jobargs.MailAttempts; attempt++ { // no wait after the last
		total += mailBackoff(DefaultMailRetry, attempt)
	}
	if want := 14*time.Hour + 31*time.Minute + 30*time.Second; total != want {
		t.Errorf("the retry waits add up to %s, the docs say %s", total, want)
	}
	if last := mailBackoff(DefaultMailRetry, jobargs.MailAttempts-1); last != maxMailRetry {
		t.Errorf("the last wait is %s, want the cap %s", last, maxMailRetry)
	}
}
