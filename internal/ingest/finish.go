package ingest

import (
	"context"
	"errors"

	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// FinishInput is how much the client sent, so the server can tell whether
// anything acknowledged-by-the-client's-count is missing before closing.
type FinishInput struct {
	Frames       int64            `json:"frames"`
	EventBatches int64            `json:"event_batches"`
	Audio        int64            `json:"audio"`
	Chunks       map[string]int64 `json:"chunks"`
}

// FinishAck confirms the session is closed for uploads and analysing.
type FinishAck struct {
	State           proctor.SessionState `json:"state"`
	AlreadyFinished bool                 `json:"already_finished"`
}

// Finish closes a session once everything the client says it sent is
// stored. A repeated Finish is acknowledged again.
func (s *Service) Finish(ctx context.Context, sess *proctor.Session, in FinishInput) (FinishAck, error) {
	if !sess.State.AcceptsUploads() {
		if sess.State == proctor.StateExpired {
			return FinishAck{}, proctor.E(proctor.CodeSessionClosed, "this session expired before it was finished")
		}
		return FinishAck{State: sess.State, AlreadyFinished: true}, nil
	}
	if err := s.checkOpen(sess); err != nil {
		return FinishAck{}, err
	}
	if err := s.checkComplete(ctx, sess, in); err != nil {
		return FinishAck{}, err
	}
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetSessionState(ctx, sess.ID, sess.State, proctor.StateSubmitted, s.now()); err != nil {
			return err
		}
		return tx.Enqueue(ctx, jobargs.AnalyzeSession{SessionID: sess.ID})
	})
	if errors.Is(err, store.ErrConflict) {
		// A concurrent Finish (or upload moving created→in_progress) won:
		// look again rather than fail a client that did nothing wrong.
		fresh, gerr := s.store.GetSession(ctx, sess.ID)
		if gerr != nil {
			return FinishAck{}, gerr
		}
		return s.Finish(ctx, fresh, in)
	}
	if err == nil {
		s.publishState(sess, proctor.StateSubmitted)
	}
	return FinishAck{State: proctor.StateSubmitted}, err
}

var errNegativeCount = proctor.E(proctor.CodeInvalid, "counts cannot be negative")

// checkComplete compares the client's counts with what is stored.
func (s *Service) checkComplete(ctx context.Context, sess *proctor.Session, in FinishInput) error {
	st, err := s.status(ctx, sess)
	if err != nil {
		return err
	}
	missing := map[string]int64{}
	if in.Frames > st.NextFrame {
		missing["frames_from"] = st.NextFrame
	}
	if in.EventBatches > st.NextEventBatch {
		missing["event_batches_from"] = st.NextEventBatch
	}
	if in.Audio > st.NextAudio {
		missing["audio_from"] = st.NextAudio
	}
	for stream, n := range in.Chunks {
		next, ok := st.NextChunk[stream]
		switch {
		case !ok:
			return proctor.E(proctor.CodeInvalid, "unknown video stream %q", stream)
		case n < 0:
			return errNegativeCount
		case n > next:
			missing["chunks_"+stream+"_from"] = next
		}
	}
	if in.Frames < 0 || in.EventBatches < 0 || in.Audio < 0 {
		return errNegativeCount
	}
	if len(missing) > 0 {
		return proctor.E(proctor.CodeIncomplete, "some uploads have not arrived yet; send them, then finish again").With("missing", missing)
	}
	return nil
}
