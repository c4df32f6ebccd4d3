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

// PutEvents stores event batch number batch of a source, given as JSON
// {"events": [...]} (docs/API.md). Each source numbers its own batches: the
// proctoring window's ("browser"), the desktop agent's and the browser
// extension's never clash. A companion's batch holds only the kinds that
// companion reports, all of its own source.
func (s *Service) PutEvents(ctx context.Context, sess *proctor.Session, source string, batch int64, body []byte) (EventsAck, error) {
	u, err := s.stageEvents(ctx, sess, source, batch, body, 0)
	if err = s.commitOne(ctx, sess, u, err); err != nil {
		return EventsAck{}, err
	}
	return u.ack().(EventsAck), nil
}

// stageEvents parses and checks an event batch; floor as stageFrame's.
// Events whose time is impossible are left out and listed, not refused.
func (s *Service) stageEvents(ctx context.Context, sess *proctor.Session, source string, batch int64, body []byte, floor int64) (*staged, error) {
	in, err := s.parseBatch(body, source)
	if err != nil {
		return nil, err
	}
	// The hash is of the parsed batch, so a retry that re-encodes the same
	// events differently (spacing, key order) is still recognised.
	canon, _ := json.Marshal(in.Events)
	sha := sha256Hex(canon)
	u := &staged{kind: store.UploadEventBatch, stream: source, seq: batch, sha: sha}
	if u.dup, err = seenAfter(ctx, s.store, store.UploadEventBatch, sess.ID, source, batch, sha, floor); u.dup || err != nil {
		return u, err
	}
	if err := s.checkOpen(sess); err != nil {
		return nil, err
	}
	u.events, u.rejected = s.acceptEvents(sess, source, in.Events)
	u.insert = func(ctx context.Context, tx store.Tx) error {
		return tx.InsertEventBatch(ctx, sess.ID, source, batch, sha, u.events, s.now())
	}
	u.publish = func() { s.publishEvents(sess, batch, u.events) }
	return u, nil
}

func (s *Service) parseBatch(body []byte, source string) (*eventBatch, error) {
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
		if err := fromSource(&in.Events[i], source); err != nil {
			return nil, proctor.E(err.Code, "event %d: %s", i, err.Message)
		}
	}
	return &in, nil
}

// fromSource checks that a companion's event is one it reports and does not
// claim another source.
func fromSource(e *proctor.EventInput, source string) *proctor.Error {
	if !proctor.CompanionSource(source) {
		return nil
	}
	if e.Source != "" && e.Source != source {
		return proctor.E(proctor.CodeInvalid, "a %s cannot send events of source %q", proctor.SourceLabel(source), e.Source)
	}
	if !proctor.SourceMaySend(source, e.Kind) {
		return proctor.E(proctor.CodeInvalid, "a %s does not send %q events", proctor.SourceLabel(source), e.Kind)
	}
	e.Source = source
	return nil
}

func (s *Service) acceptEvents(sess *proctor.Session, source string, in []proctor.EventInput) ([]proctor.Event, []RejectedEvent) {
	var events []proctor.Event
	var rejected []RejectedEvent
	for i := range in {
		if err := s.checkCaptureTime(sess, in[i].At); err != nil {
			rejected = append(rejected, RejectedEvent{Index: i, Reason: proctor.AsError(err).Message})
			s.log.Warn("event rejected", "session", sess.ID, "source", source, "index", i, "kind", in[i].Kind, "reason", proctor.AsError(err).Message)
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
// session heard from, for the reviewer: a companion counts from its first
// batch (a heartbeat says it is there), the proctoring window from its
// first event.
func addSources(ctx context.Context, tx store.Tx, sid int64, source string, events []proctor.Event) error {
	seenSrc := map[string]bool{}
	if proctor.CompanionSource(source) {
		events = append([]proctor.Event{{Source: source}}, events...)
	}
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
