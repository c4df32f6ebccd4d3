package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"vigil/internal/ingestclient"
)

// student is one simulated capture client.
type student struct {
	link  string
	api   *ingestclient.Client
	media *mediaSet
	stats *stats
	rng   *rand.Rand
	token string
	count SessionCount
	err   error
}

// run starts the session at begin, uploads on the client's schedule until
// end, then finishes with its counts.
func (s *student) run(ctx context.Context, begin, end time.Time) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(time.Until(begin)):
	}
	s.stats.active.Add(1)
	defer s.stats.active.Add(-1)
	if s.err = s.start(ctx); s.err != nil {
		return
	}
	clock := time.Now()
	// Spread the students' seconds so their uploads do not all land at once.
	offset := time.Duration(s.rng.Int64N(int64(frameEvery)))
	tick := time.NewTicker(frameEvery)
	defer tick.Stop()
	time.Sleep(offset)
	for second := 0; time.Now().Before(end); second++ {
		if err := s.second(ctx, second, clock); err != nil {
			s.err = err
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	s.err = s.finish(ctx)
}

func (s *student) start(ctx context.Context) error {
	body, _ := json.Marshal(map[string]any{"link": s.link, "started_at": time.Now().UTC()})
	var out struct {
		ID    int64  `json:"session_id"`
		Token string `json:"token"`
	}
	if err := s.send(ctx, http.MethodPost, "/api/v1/sessions", "application/json", nil, body, &out); err != nil {
		return err
	}
	s.token, s.count.SessionID = out.Token, out.ID
	return nil
}

func captured(t time.Time) map[string]string {
	return map[string]string{"X-Capture-Time": t.UTC().Format(time.RFC3339Nano)}
}

// second sends what the client sends in one second of the exam.
func (s *student) second(ctx context.Context, n int, clock time.Time) error {
	now := clock.Add(time.Duration(n) * time.Second)
	id := s.count.SessionID
	frame := s.media.frames[n%len(s.media.frames)]
	if err := s.send(ctx, http.MethodPut, fmt.Sprintf("/api/v1/sessions/%d/frames/%d", id, s.count.Frames), "image/jpeg",
		captured(now), frame, nil); err != nil {
		return err
	}
	s.count.Frames++
	if n%int(audioEvery/time.Second) == 4 {
		if err := s.send(ctx, http.MethodPut, fmt.Sprintf("/api/v1/sessions/%d/audio/%d", id, s.count.Audio), "audio/basic",
			captured(now.Add(-4*time.Second)), s.media.audio, nil); err != nil {
			return err
		}
		s.count.Audio++
	}
	if n%int(eventsEvery/time.Second) == 2 {
		body, _ := json.Marshal(map[string]any{"events": []map[string]any{
			{"kind": "focus_lost", "at": now.UTC()}, {"kind": "focus_gained", "at": now.Add(300 * time.Millisecond).UTC()}}})
		if err := s.send(ctx, http.MethodPut, fmt.Sprintf("/api/v1/sessions/%d/events/%d", id, s.count.Batches), "application/json",
			nil, body, nil); err != nil {
			return err
		}
		s.count.Batches++
	}
	if n%int(videoEvery/time.Second) == 9 {
		if err := s.chunk(ctx, "webcam", &s.count.Webcam, s.media.webcam, now); err != nil {
			return err
		}
		if err := s.chunk(ctx, "screen", &s.count.Screen, s.media.screen, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *student) chunk(ctx context.Context, stream string, seq *int64, data []byte, now time.Time) error {
	body := data
	if *seq > 0 {
		body = data[4:] // only the first chunk carries the header
	}
	h := captured(now.Add(-videoEvery))
	h["X-Duration-Ms"] = "10000"
	if err := s.send(ctx, http.MethodPut, fmt.Sprintf("/api/v1/sessions/%d/chunks/%s/%d", s.count.SessionID, stream, *seq),
		"video/webm", h, body, nil); err != nil {
		return err
	}
	*seq++
	return nil
}

func (s *student) finish(ctx context.Context) error {
	body, _ := json.Marshal(map[string]any{"frames": s.count.Frames, "event_batches": s.count.Batches, "audio": s.count.Audio,
		"chunks": map[string]int64{"webcam": s.count.Webcam, "screen": s.count.Screen}})
	return s.send(ctx, http.MethodPost, fmt.Sprintf("/api/v1/sessions/%d/finish", s.count.SessionID), "application/json", nil, body, nil)
}
