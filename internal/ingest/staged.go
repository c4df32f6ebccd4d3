package ingest

import (
	"context"
	"time"

	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// staged is an upload that passed its checks and whose media is written,
// waiting for its row: one request's, or one of a batch's (PutBatch),
// whose rows then commit in one transaction.
type staged struct {
	kind   store.UploadKind
	stream string // a video stream, an event batch's source; "" for frames and audio
	seq    int64
	sha    string
	dup    bool // a retry of a stored upload: nothing to insert
	// from..to is the recording a media upload covers.
	from, to time.Time
	// events are an event batch's accepted events; rejected, those left out.
	events   []proctor.Event
	rejected []RejectedEvent
	insert   func(ctx context.Context, tx store.Tx) error
	publish  func()
}

// ack is the upload's acknowledgement: an EventsAck for an event batch.
func (u *staged) ack() any {
	a := Ack{Seq: u.seq, Next: u.seq + 1, Duplicate: u.dup}
	if u.kind == store.UploadEventBatch {
		return EventsAck{Ack: a, Stored: len(u.events), Rejected: u.rejected}
	}
	return a
}

// commit stores the rows of staged uploads of one session in one
// transaction, with the session's bookkeeping and its analysis job done
// once for all of them; then it tells the live view of each new one. An
// upload whose number turns out to be stored already (a concurrent retry)
// is marked a duplicate; the request that stored it did its bookkeeping.
func (s *Service) commit(ctx context.Context, sess *proctor.Session, ups ...*staged) error {
	var stored []*staged
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		for _, u := range ups {
			if u.dup {
				continue
			}
			dup, err := insertOnce(ctx, tx, u.kind, sess.ID, u.stream, u.seq, u.sha, func() error { return u.insert(ctx, tx) })
			if err != nil {
				return err
			}
			if u.dup = dup; !dup {
				stored = append(stored, u)
			}
		}
		return s.bookkeep(ctx, tx, sess, stored)
	})
	if err != nil {
		return err
	}
	for _, u := range stored {
		u.publish()
	}
	return nil
}

// bookkeep records what stored uploads tell of the session: its first
// capture starts it (a companion's events do not: it reports from the
// system check on, before the exam begins), the span of its recording,
// the sources it heard from and its last capture; and it queues the
// session's analysis.
func (s *Service) bookkeep(ctx context.Context, tx store.Tx, sess *proctor.Session, stored []*staged) error {
	if len(stored) == 0 {
		return nil
	}
	var from, to, eventsAt time.Time
	start, media, events := false, false, false
	for _, u := range stored {
		if u.kind != store.UploadEventBatch {
			start, media = true, true
			from, to = earlier(from, u.from), later(to, u.to)
			continue
		}
		if err := addSources(ctx, tx, sess.ID, u.stream, u.events); err != nil {
			return err
		}
		start = start || u.stream == proctor.SourceBrowser
		events = true
		eventsAt = later(eventsAt, latest(u.events, sess.ClientStartedAt))
	}
	if start {
		if err := markStarted(ctx, tx, sess, s.now()); err != nil {
			return err
		}
	}
	if media {
		if err := tx.TouchRecording(ctx, sess.ID, from, to); err != nil {
			return err
		}
	}
	if events {
		if err := tx.TouchCapture(ctx, sess.ID, eventsAt); err != nil {
			return err
		}
	}
	return tx.Enqueue(ctx, jobargs.AnalyzeSession{SessionID: sess.ID})
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// commitOne commits a single request's staged upload (nothing when it is
// a retry of a stored one), or passes on why it could not be staged.
func (s *Service) commitOne(ctx context.Context, sess *proctor.Session, u *staged, err error) error {
	if err != nil || u.dup {
		return err
	}
	return s.commit(ctx, sess, u)
}
