package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// EventsAck acknowledges an event batch. Events whose time was impossible
// are kept out of the record and listed with the reason, so one bad clock
// reading cannot block a client's whole queue.
type EventsAck struct {
	Ack
	Stored   int             `json:"stored"`
	Rejected []RejectedEvent `json:"rejected,omitempty"`
}

// RejectedEvent names an event left out of a batch and why.
type RejectedEvent struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

type eventBatch struct {
	Events []proctor.EventInput `json:"events"`
}

// PutEvents stores event batch number batch, given as JSON
// {"events": [...]} (docs/API.md).
func (s *Service) PutEvents(ctx context.Context, sess *proctor.Session, batch int64, body []byte) (EventsAck, error) {
	in, err := s.parseBatch(body)
	if err != nil {
		return EventsAck{}, err
	}
	// The hash is of the parsed batch, so a retry that re-encodes the same
	// events differently (spacing, key order) is still recognised.
	canon, _ := json.Marshal(in.Events)
	sha := sha256Hex(canon)
	if dup, err := batchSeen(ctx, s.store, sess.ID, batch, sha); dup || err != nil {
		return EventsAck{Ack: Ack{Seq: batch, Next: batch + 1, Duplicate: dup}}, err
	}
	if err := s.checkOpen(sess); err != nil {
		return EventsAck{}, err
	}
	events, rejected := s.acceptEvents(sess, in.Events)
	ack := EventsAck{Ack: Ack{Seq: batch, Next: batch + 1}, Stored: len(events), Rejected: rejected}
	err = s.commitCapture(ctx, sess, latest(events, sess.ClientStartedAt), func(tx store.Tx) error {
		dup, err := batchSeen(ctx, tx, sess.ID, batch, sha)
		if ack.Duplicate = dup; dup || err != nil {
			return err
		}
		if err := addSources(ctx, tx, sess.ID, events); err != nil {
			return err
		}
		return tx.InsertEventBatch(ctx, sess.ID, batch, sha, events, s.now())
	})
	return ack, err
}

func (s *Service) parseBatch(body []byte) (*eventBatch, error) {
	var in eventBatch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, proctor.E(proctor.CodeMalformedJSON, "event batch: %v", err)
	}
	if dec.More() {
		return nil, proctor.E(proctor.CodeMalformedJSON, "event batch: unexpected data after the JSON object")
	}
	if in.Events == nil {
		return nil, proctor.E(proctor.CodeMalformedJSON, "event batch: an \"events\" array is required")
	}
	if len(in.Events) > s.limits.MaxBatchEvents {
		return nil, proctor.E(proctor.CodeTooLarge, "event batch: at most %d events per batch", s.limits.MaxBatchEvents)
	}
	for i := range in.Events {
		if err := in.Events[i].Validate(); err != nil {
			return nil, proctor.E(err.Code, "event %d: %s", i, err.Message)
		}
	}
	return &in, nil
}

func (s *Service) acceptEvents(sess *proctor.Session, in []proctor.EventInput) ([]proctor.Event, []RejectedEvent) {
	var events []proctor.Event
	var rejected []RejectedEvent
	for i := range in {
		if err := s.checkCaptureTime(sess, in[i].At); err != nil {
			rejected = append(rejected, RejectedEvent{Index: i, Reason: proctor.AsError(err).Message})
			s.log.Warn("event rejected", "session", sess.ID, "index", i, "kind", in[i].Kind, "reason", proctor.AsError(err).Message)
			continue
		}
		events = append(events, in[i].Event())
	}
	return events, rejected
}

func latest(events []proctor.Event, floor time.Time) time.Time {
	for _, e := range events {
		floor = later(floor, e.At)
	}
	return floor
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// addSources records which capture sources (browser, extension, agent) a
// session heard from, for the reviewer.
func addSources(ctx context.Context, tx store.Tx, sid int64, events []proctor.Event) error {
	seenSrc := map[string]bool{}
	for _, e := range events {
		if !seenSrc[e.Source] {
			seenSrc[e.Source] = true
			if err := tx.AddSessionSource(ctx, sid, e.Source); err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
		}
	}
	return nil
}

func batchSeen(ctx context.Context, q store.Queries, sid, batch int64, sha string) (bool, error) {
	return seen(ctx, q, "event batch", batch, sha,
		func(q store.Queries) (string, error) { return q.EventBatchSHA(ctx, sid, batch) },
		func(q store.Queries) (int64, error) { return q.NextEventBatch(ctx, sid) })
}
