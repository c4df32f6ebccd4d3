package proctor

import (
	"testing"
	"time"
)

func TestSessionTimedByRecording(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name             string
		s                Session
		duration, before time.Duration
		origin           time.Time
		attempt          int
	}{
		{"nothing recorded yet", Session{ClientStartedAt: t0, LastCaptureAt: t0.Add(9 * time.Minute), Attempt: 1}, 0, 0, t0, 1},
		{"system check first", Session{ClientStartedAt: t0, RecordedFrom: t0.Add(8*time.Minute + 45*time.Second),
			LastCaptureAt: t0.Add(9*time.Minute + 30*time.Second), Attempt: 1, LMSAttempt: 2}, 45 * time.Second, 8*time.Minute + 45*time.Second, t0.Add(8*time.Minute + 45*time.Second), 2},
		{"client clock behind", Session{ClientStartedAt: t0, RecordedFrom: t0.Add(-2 * time.Second), LastCaptureAt: t0.Add(time.Minute), Attempt: 3},
			time.Minute + 2*time.Second, 0, t0.Add(-2 * time.Second), 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Duration(); got != c.duration {
				t.Errorf("Duration %v, want %v", got, c.duration)
			}
			if got := c.s.BeforeRecording(); got != c.before {
				t.Errorf("BeforeRecording %v, want %v", got, c.before)
			}
			if got := c.s.Origin(); !got.Equal(c.origin) {
				t.Errorf("Origin %v, want %v", got, c.origin)
			}
			if got := c.s.AttemptLabel(); got != c.attempt {
				t.Errorf("AttemptLabel %d, want %d", got, c.attempt)
			}
			if got := c.s.Offset(c.origin.Add(1500 * time.Millisecond)); got != 1500 {
				t.Errorf("Offset %d, want 1500 from the origin", got)
			}
		})
	}
}
