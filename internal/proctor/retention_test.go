package proctor

import (
	"testing"
	"time"
)

func TestRetentionDays(t *testing.T) {
	for raw, want := range map[string]int{"1": 1, " 90 ": 90, "3650": 3650} {
		if n, err := ParseRetentionDays("Session media", raw, false); err != nil || n != want {
			t.Errorf("%q: %d, %v", raw, n, err)
		}
	}
	for _, raw := range []string{"0", "-3", "3651", "90.5", "1e2", "abc", "", "９０"} {
		if _, err := ParseRetentionDays("Session media", raw, false); CodeOf(err) != CodeInvalid {
			t.Errorf("%q accepted: %v", raw, err)
		}
	}
	if n, err := ParseRetentionDays("Session media", "  ", true); err != nil || n != 0 {
		t.Errorf("empty override: %d, %v", n, err)
	}
	inst := Retention{MediaDays: 180, OnboardingDays: 365}
	if got := inst.Apply(Retention{MediaDays: 30}); got != (Retention{MediaDays: 30, OnboardingDays: 365}) {
		t.Errorf("Apply = %+v", got)
	}
	if inst.Validate(false) != nil || (Retention{MediaDays: 30}).Validate(true) != nil || (Retention{MediaDays: 30}).Validate(false) == nil {
		t.Error("Validate")
	}
	end := time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC)
	s := &Session{FinishedAt: end}
	if got := s.MediaExpiresAt(2); !got.Equal(end.Add(48 * time.Hour)) {
		t.Errorf("expires %v", got)
	}
	if got := (&Session{}).MediaExpiresAt(2); !got.IsZero() {
		t.Errorf("an unfinished session expires at %v", got)
	}
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 4_200_000: "4.2 MB", 3_000_000_000: "3.0 GB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
