package review

import (
	"testing"
	"time"

	"vigil/internal/proctor"
)

// TestTimelineEntryBeforeRecording: a Different Person flag from an
// identity scan taken before the recording began sits at the timeline's
// start, not off its left edge; others keep their offsets.
func TestTimelineEntryBeforeRecording(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	sess := &proctor.Session{ClientStartedAt: t0.Add(-2 * time.Minute), RecordedFrom: t0}
	scan := &proctor.Violation{Type: proctor.DifferentPerson, Start: t0.Add(-40 * time.Second), End: t0.Add(-40 * time.Second)}
	if e := entry(sess, scan); e.StartMS != 0 || e.EndMS != 0 || e.Label != "Different Person" {
		t.Errorf("a scan before the recording: %+v, want at 0", e)
	}
	later := &proctor.Violation{Type: proctor.LeftSession, Start: t0.Add(5 * time.Second), End: t0.Add(12 * time.Second)}
	if e := entry(sess, later); e.StartMS != 5000 || e.EndMS != 12000 {
		t.Errorf("a violation in the recording: %+v", e)
	}
}
