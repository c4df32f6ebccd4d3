package ingest

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"vigil/internal/proctor"
)

// TestFinishRules: a session closes only when everything the client says
// it sent is stored (otherwise the client is told, per stream, from which
// number to send again); the counts must be of known streams and not
// negative; finishing again is acknowledged; an expired session, or one
// past its resume window, cannot be finished.
func TestFinishRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	sent := map[string]int{"frame": 2, "event batch": 1, "audio chunk": 1, "webcam chunk": 1}
	chunks := func(webcam int64) map[string]int64 { return map[string]int64{proctor.StreamWebcam: webcam} }
	for _, c := range []struct {
		name        string
		stored      map[string]int // uploads stored first, by kind
		path        []proctor.SessionState
		later       time.Duration // how long after the world's clock the client finishes
		in          FinishInput
		wantCode    proctor.Code
		wantMissing map[string]int64
		wantAlready bool
		wantState   proctor.SessionState // stored afterwards
	}{
		{"everything the client sent is stored", sent, nil, 0, FinishInput{Frames: 2, EventBatches: 1, Audio: 1, Chunks: chunks(1)},
			"", nil, false, proctor.StateSubmitted},
		{"a session that never started", nil, nil, 0, FinishInput{}, "", nil, false, proctor.StateSubmitted},
		{"the client counts fewer than are stored", sent, nil, 0, FinishInput{Frames: 1}, "", nil, false, proctor.StateSubmitted},
		{"frames missing", sent, nil, 0, FinishInput{Frames: 5, EventBatches: 1, Audio: 1},
			proctor.CodeIncomplete, map[string]int64{"frames_from": 2}, false, proctor.StateInProgress},
		{"event batches missing", sent, nil, 0, FinishInput{EventBatches: 2},
			proctor.CodeIncomplete, map[string]int64{"event_batches_from": 1}, false, proctor.StateInProgress},
		{"audio missing", sent, nil, 0, FinishInput{Audio: 3},
			proctor.CodeIncomplete, map[string]int64{"audio_from": 1}, false, proctor.StateInProgress},
		{"screen chunks missing", sent, nil, 0, FinishInput{Chunks: map[string]int64{proctor.StreamScreen: 1}},
			proctor.CodeIncomplete, map[string]int64{"chunks_screen_from": 0}, false, proctor.StateInProgress},
		{"every stream missing something", nil, nil, 0, FinishInput{Frames: 1, EventBatches: 1, Audio: 1, Chunks: chunks(1)}, proctor.CodeIncomplete,
			map[string]int64{"frames_from": 0, "event_batches_from": 0, "audio_from": 0, "chunks_webcam_from": 0}, false, proctor.StateCreated},
		{"an unknown stream", sent, nil, 0, FinishInput{Chunks: map[string]int64{"microphone": 0}}, proctor.CodeInvalid, nil, false, proctor.StateInProgress},
		{"a negative frame count", sent, nil, 0, FinishInput{Frames: -1}, proctor.CodeInvalid, nil, false, proctor.StateInProgress},
		{"a negative chunk count", sent, nil, 0, FinishInput{Chunks: chunks(-1)}, proctor.CodeInvalid, nil, false, proctor.StateInProgress},
		{"finished already: acknowledged again", sent, []proctor.SessionState{proctor.StateSubmitted}, 0, FinishInput{Frames: 2},
			"", nil, true, proctor.StateSubmitted},
		{"analysed already: acknowledged again", sent, []proctor.SessionState{proctor.StateSubmitted, proctor.StateAnalyzed}, 0, FinishInput{},
			"", nil, true, proctor.StateAnalyzed},
		{"expired", sent, []proctor.SessionState{proctor.StateExpired}, 0, FinishInput{}, proctor.CodeSessionClosed, nil, false, proctor.StateExpired},
		{"past the resume window", sent, nil, proctor.ResumeWindow, FinishInput{}, proctor.CodeSessionClosed, nil, false, proctor.StateInProgress},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			for kind, n := range c.stored {
				storeFirst(t, w, uploadNamed(kind), sess, n)
			}
			from := w.reload(t, sess).State
			for _, to := range c.path {
				must(t, w.st.SetSessionState(ctx, sess.ID, from, to, t0.Add(time.Minute)))
				from = to
			}
			w.at(t, t0.Add(time.Minute+c.later))
			ack, err := w.svc.Finish(ctx, w.reload(t, sess), c.in)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			var missing map[string]int64
			if pe := (*proctor.Error)(nil); errors.As(err, &pe) && pe.Detail["missing"] != nil {
				missing = pe.Detail["missing"].(map[string]int64)
			}
			if !maps.Equal(missing, c.wantMissing) {
				t.Errorf("missing %v, want %v", missing, c.wantMissing)
			}
			if err == nil && (ack.AlreadyFinished != c.wantAlready || ack.State != c.wantState) {
				t.Errorf("ack %+v, want state %q, already finished %v", ack, c.wantState, c.wantAlready)
			}
			if got := w.reload(t, sess).State; got != c.wantState {
				t.Errorf("stored state %q, want %q", got, c.wantState)
			}
		})
	}
}
