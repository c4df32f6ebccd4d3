package review

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"vigil/internal/live"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// LivePage is an exam while it runs: every session still taking uploads,
// with its latest webcam still and the possible flags so far.
type LivePage struct {
	Course   *proctor.Course
	Exam     *proctor.Exam
	Sessions []LiveSession
	// Done counts the exam's sessions already finished (or expired).
	Done int
	Now  time.Time
}

// LiveSession is one running session as the live view shows it.
type LiveSession struct {
	Session proctor.Session
	Student proctor.Student
	// Frame is the latest webcam still's sequence number (-1: none yet);
	// LastUpload when the server stored the latest still (zero: none).
	Frame      int64
	LastUpload time.Time
	// Flags are the latest possible flags (newest first), FlagCount all.
	Flags     []live.Flag
	FlagCount int
}

// liveFlagsShown is how many recent flags a session's card lists.
const liveFlagsShown = 5

// Live returns the live view of an exam.
func (s *Service) Live(ctx context.Context, a Actor, examID int64) (*LivePage, error) {
	exam, course, err := s.examPage(ctx, a, examID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.ListExamSessions(ctx, examID)
	if err != nil {
		return nil, err
	}
	p := &LivePage{Course: course, Exam: exam, Now: s.now()}
	for _, r := range rows {
		if !r.Session.State.AcceptsUploads() {
			p.Done++
			continue
		}
		ls, err := s.liveSession(ctx, r.Session, r.Student)
		if err != nil {
			return nil, err
		}
		p.Sessions = append(p.Sessions, ls)
	}
	// The latest activity first, so the sessions that matter now lead.
	slices.SortStableFunc(p.Sessions, func(a, b LiveSession) int {
		return cmp.Or(b.LastUpload.Compare(a.LastUpload), b.Session.CreatedAt.Compare(a.Session.CreatedAt))
	})
	return p, nil
}

// LiveSessionOf is one session's card, for a session that started after
// the live page was opened. The actor must be allowed to see its course.
func (s *Service) LiveSessionOf(ctx context.Context, a Actor, sessionID int64) (*LiveSession, error) {
	sess, _, err := s.sessionScope(ctx, a, sessionID, s.canSee)
	if err != nil {
		return nil, err
	}
	st, err := s.store.GetStudent(ctx, sess.StudentID)
	if err != nil {
		return nil, err
	}
	ls, err := s.liveSession(ctx, *sess, *st)
	return &ls, err
}

func (s *Service) liveSession(ctx context.Context, sess proctor.Session, st proctor.Student) (LiveSession, error) {
	ls := LiveSession{Session: sess, Student: st, Frame: -1}
	next, err := s.store.NextFrameSeq(ctx, sess.ID)
	if err != nil {
		return ls, err
	}
	if next > 0 {
		f, err := s.store.GetFrame(ctx, sess.ID, next-1)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return ls, err
		}
		if err == nil {
			ls.Frame, ls.LastUpload = f.Seq, f.ReceivedAt
		}
	}
	events, err := s.store.ListEvents(ctx, sess.ID)
	if err != nil {
		return ls, err
	}
	if n := len(events); n > 0 && events[n-1].ReceivedAt.After(ls.LastUpload) {
		ls.LastUpload = events[n-1].ReceivedAt
	}
	for i := len(events) - 1; i >= 0; i-- {
		f, ok := live.EventFlag(&events[i])
		if !ok {
			continue
		}
		ls.FlagCount++
		if len(ls.Flags) < liveFlagsShown {
			ls.Flags = append(ls.Flags, f)
		}
	}
	return ls, nil
}
