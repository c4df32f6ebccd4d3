package review

import (
	"context"
	"time"

	"vigil/internal/proctor"
)

// CompanionNote tells the reviewer how a companion (the desktop agent, the
// browser extension) reported: when, with which gaps, and whether it was
// required and missing. Times are the server's.
type CompanionNote struct {
	Name     string
	Required bool
	// From and To bound its reports; both zero when it never reported.
	From, To time.Time
	// Gaps are stretches without a report longer than CompanionGap,
	// including one before the session ended.
	Gaps    []Gap
	Trouble bool
}

// Gap is a stretch without reports.
type Gap struct{ From, To time.Time }

// CompanionGap: companions report every 5 s; this long without a report
// means they were stopped, offline or not running.
const CompanionGap = 30 * time.Second

// companionNotes describes each companion that reported or was required.
func (s *Service) companionNotes(ctx context.Context, sess *proctor.Session, exam *proctor.Exam) ([]CompanionNote, error) {
	end := sess.FinishedAt
	if end.IsZero() {
		end = s.now()
	}
	var out []CompanionNote
	for _, source := range []string{proctor.SourceAgent, proctor.SourceExtension} {
		times, err := s.store.ListEventBatchTimes(ctx, sess.ID, source)
		if err != nil {
			return nil, err
		}
		required := (source == proctor.SourceAgent && exam.Settings.RequireAgent) ||
			(source == proctor.SourceExtension && exam.Settings.RequireExtension)
		if n, ok := companionNote(proctor.SourceLabel(source), required, times, end); ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// companionNote reads a companion's batch arrival times (in order).
func companionNote(name string, required bool, times []time.Time, end time.Time) (CompanionNote, bool) {
	n := CompanionNote{Name: name, Required: required}
	if len(times) == 0 {
		n.Trouble = required
		return n, required
	}
	n.From, n.To = times[0], times[len(times)-1]
	for i := 1; i < len(times); i++ {
		if times[i].Sub(times[i-1]) > CompanionGap {
			n.Gaps = append(n.Gaps, Gap{times[i-1], times[i]})
		}
	}
	if end.Sub(n.To) > CompanionGap {
		n.Gaps = append(n.Gaps, Gap{n.To, end})
	}
	n.Trouble = required && len(n.Gaps) > 0
	return n, true
}
