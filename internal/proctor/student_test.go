package proctor

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// An accommodation's allowed keys leave the exam's blacklist whatever
// their spelling, on both kinds of keyboard (Ctrl and Cmd); paste is then
// no longer blacklisted either.
func TestAccommodationAllowsKeys(t *testing.T) {
	s := DefaultSettings()
	got := s.Apply(&Accommodation{AllowedKeys: []string{"ctrl+v", "Meta+C"}})
	if got.KeyBlacklisted("Ctrl+V") || got.KeyBlacklisted("Meta+V") || got.PasteBlacklisted() || got.KeyBlacklisted("Ctrl+C") || got.KeyBlacklisted("Meta+C") {
		t.Fatalf("allowed keys still blacklisted: %v", got.BlacklistedKeys)
	}
	if !got.KeyBlacklisted("Ctrl+X") || !s.KeyBlacklisted("Ctrl+V") || !slices.Contains(s.BlacklistedKeys, "Ctrl+V") {
		t.Fatal("the accommodation changed other keys, or the exam's own settings")
	}
}

func TestAccommodationForStudent(t *testing.T) {
	a := &Accommodation{Off: []ViolationType{BackgroundAudio, LeftSession}, AllowedApps: []string{"NVDA"},
		AllowedKeys: []string{"Insert+Down"}, Note: "medical record 12"}
	lines := a.ForStudent()
	text := strings.Join(lines, "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "You may leave the camera's view") ||
		!strings.Contains(text, "NVDA") || !strings.Contains(text, "Insert+Down") || strings.Contains(text, "medical") {
		t.Fatalf("the student reads:\n%s", text)
	}
	var none *Accommodation
	if none.ForStudent() != nil {
		t.Fatal("no accommodation, yet lines")
	}
}

func TestReviewReleaseOpen(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r := ReviewRelease{ExplainUntil: t0}
	if !r.Open(t0.Add(-time.Second)) || r.Open(t0) {
		t.Fatal("explanations are accepted until, not at, the date")
	}
}
