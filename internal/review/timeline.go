package review

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/proctor"
)

// Timeline is what the Video Monitoring player needs, as JSON: the frames
// at their real timing and every violation as a span, all in milliseconds
// from the session's start.
type Timeline struct {
	DurationMS int64           `json:"duration_ms"`
	Frames     [][2]int64      `json:"frames"` // [seq, offset_ms], in order
	Violations []TimelineEntry `json:"violations"`
	// Video lists the webcam recording's segments (one, unless the student
	// reloaded or the browser restarted mid-exam); empty when there is none.
	Video []VideoSegment `json:"video"`
	// Gaps are the stretches with no webcam frame for longer than the
	// exam's capture allows (offline, camera lost, browser closed), as
	// [start_ms, end_ms]: shown as gaps, not as silence.
	Gaps [][2]int64 `json:"gaps"`
	// Types are every violation type in display order, for the lanes and
	// their legend.
	Types []TimelineType `json:"types"`
}

// TimelineType is a violation type as the visualizer names it.
type TimelineType struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// VideoSegment is one playable WebM file of a recording and where it
// starts on the timeline.
type VideoSegment struct {
	Segment    int   `json:"segment"`
	OffsetMS   int64 `json:"offset_ms"`
	DurationMS int64 `json:"duration_ms"`
}

// TimelineEntry is one violation on the timeline.
type TimelineEntry struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	Label    string `json:"label"`
	StartMS  int64  `json:"start_ms"`
	EndMS    int64  `json:"end_ms"`
	Applied  bool   `json:"applied"`
	Cause    string `json:"cause,omitempty"`
	Decision string `json:"decision,omitempty"`
	// DecidedBy names who made the decision.
	DecidedBy string `json:"decided_by,omitempty"`
}

// maxTimelineFrames bounds the frame index (a 72-hour session at 1 frame/s).
const maxTimelineFrames = 300000

// Timeline returns a session's timeline.
func (s *Service) Timeline(ctx context.Context, a Actor, sessionID int64) (*Timeline, error) {
	sess, exam, err := s.sessionScope(ctx, a, sessionID, s.canSee)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, s.store, a, proctor.AuditMediaView, exam.CourseID, fmt.Sprintf("session:%d", sessionID), "timeline"); err != nil {
		return nil, err
	}
	frames, err := s.store.ListFrames(ctx, sessionID, 0, maxTimelineFrames)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.ListViolations(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	t := &Timeline{DurationMS: max(0, sess.Duration().Milliseconds()), Frames: make([][2]int64, len(frames)),
		Violations: []TimelineEntry{}, Video: []VideoSegment{}, Gaps: [][2]int64{}}
	for _, typ := range proctor.ViolationTypes {
		t.Types = append(t.Types, TimelineType{ID: string(typ), Label: typ.Label()})
	}
	people, err := s.names(ctx, deciders(sess, vs)...)
	if err != nil {
		return nil, err
	}
	for i, f := range frames {
		t.Frames[i] = [2]int64{f.Seq, sess.Offset(f.CapturedAt)}
	}
	t.Gaps = Gaps(t.Frames, t.DurationMS, exam.Settings.FrameIntervalSeconds)
	for _, v := range vs {
		e := entry(sess, &v)
		if v.Decision != proctor.DecisionPending {
			e.DecidedBy = people[v.DecidedBy]
		}
		t.Violations = append(t.Violations, e)
		t.DurationMS = max(t.DurationMS, sess.Offset(v.End))
	}
	return t, s.addVideo(ctx, sess, t)
}

// entry places a violation on the timeline. One from before the recording
// began (an identity scan of someone else) sits at its start.
func entry(sess *proctor.Session, v *proctor.Violation) TimelineEntry {
	start := max(0, sess.Offset(v.Start))
	e := TimelineEntry{ID: v.ID, Type: string(v.Type), Label: v.Type.Label(), StartMS: start,
		EndMS: max(start, sess.Offset(v.End)), Applied: v.Applied, Decision: string(v.Decision)}
	if v.Cause != proctor.CauseNone {
		e.Cause = v.Cause.Label()
	}
	return e
}

func (s *Service) addVideo(ctx context.Context, sess *proctor.Session, t *Timeline) error {
	chunks, err := s.store.ListChunks(ctx, sess.ID, proctor.StreamWebcam)
	if err != nil || len(chunks) == 0 {
		return err
	}
	for i, seg := range proctor.Segments(chunks) {
		v := VideoSegment{Segment: i, OffsetMS: sess.Offset(seg[0].StartedAt)}
		for _, c := range seg {
			v.DurationMS += c.DurationMS
		}
		t.Video = append(t.Video, v)
	}
	return nil
}

// minGap is the shortest stretch without frames shown as a gap, however
// often the exam takes frames: a few seconds' delay is not a gap.
const minGap = 5 * time.Second

// Gaps finds the stretches of a timeline without frames: longer than three
// frame intervals (and minGap), from the start, between frames, and to the
// end. frames are [seq, offset_ms] in order.
func Gaps(frames [][2]int64, durationMS int64, intervalSeconds float64) [][2]int64 {
	limit := max(minGap.Milliseconds(), int64(3*intervalSeconds*1000))
	gaps := [][2]int64{}
	prev := int64(0)
	for _, f := range frames {
		if f[1]-prev > limit {
			gaps = append(gaps, [2]int64{prev, f[1]})
		}
		prev = max(prev, f[1])
	}
	if len(frames) > 0 && durationMS-prev > limit {
		gaps = append(gaps, [2]int64{prev, durationMS})
	}
	return gaps
}
