package analysis

import (
	"context"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/proctor"
)

// VoiceAnalyzer is the voice detector (*voice.Pool).
type VoiceAnalyzer interface {
	Analyze(ctx context.Context, samples []float32, rate int) ([]voice.Window, error)
}

// Audio turns audio chunks into signals with the voice detector.
type Audio struct {
	Voice VoiceAnalyzer
}

// Analyze decodes one chunk as it was sent and returns its windows as
// signals on the session's timeline.
func (a *Audio) Analyze(ctx context.Context, c *proctor.AudioChunk, data []byte) ([]proctor.AudioSignal, error) {
	samples, rate, err := voice.Decode(c.Format, data)
	if err != nil {
		return nil, err
	}
	ws, err := a.Voice.Analyze(ctx, samples, rate)
	if err != nil {
		return nil, err
	}
	sigs := make([]proctor.AudioSignal, len(ws))
	for i, w := range ws {
		sigs[i] = proctor.AudioSignal{SessionID: c.SessionID, ChunkSeq: c.Seq, DurMS: w.DurMS,
			Start:  c.StartedAt.Add(time.Duration(w.StartMS) * time.Millisecond),
			Speech: float64(w.Speech), RMSdB: float64(w.RMSdB), MaxdB: float64(w.MaxdB), FloordB: float64(w.FloordB)}
	}
	return sigs, nil
}
