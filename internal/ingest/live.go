package ingest

import (
	"vigil/internal/live"
	"vigil/internal/proctor"
)

// SetLive makes the service tell p of every upload it stores and of every
// possible flag among the events, once committed (nil: tell nobody). Call
// it before serving.
func (s *Service) SetLive(p live.Publisher) { s.live = p }

// publish tells the live view that something of a session was stored.
func (s *Service) publish(sess *proctor.Session, kind string, seq int64) {
	if s.live == nil {
		return
	}
	s.live.Publish(live.Event{ExamID: sess.ExamID, SessionID: sess.ID, Kind: kind, At: s.now(), Seq: seq})
}

// publishEvents tells of an event batch, and of each possible flag in it.
func (s *Service) publishEvents(sess *proctor.Session, batch int64, events []proctor.Event) {
	if s.live == nil {
		return
	}
	now := s.now()
	s.live.Publish(live.Event{ExamID: sess.ExamID, SessionID: sess.ID, Kind: live.KindUpload, At: now, Seq: batch})
	for i := range events {
		if f, ok := live.EventFlag(&events[i]); ok {
			s.live.Publish(live.Event{ExamID: sess.ExamID, SessionID: sess.ID, Kind: live.KindFlag, At: now, Flag: &f})
		}
	}
}

// publishState tells of a session's new state.
func (s *Service) publishState(sess *proctor.Session, state proctor.SessionState) {
	if s.live == nil {
		return
	}
	s.live.Publish(live.Event{ExamID: sess.ExamID, SessionID: sess.ID, Kind: live.KindState, At: s.now(), State: state})
}
