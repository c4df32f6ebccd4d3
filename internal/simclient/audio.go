package simclient

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/scenario"
)

// audioChunkSeconds is how much audio one upload carries, as a browser
// client flushing its recorder every few seconds would.
const audioChunkSeconds = 5

// rate is what the client sends: 8 kHz μ-law (audio/basic), 64 kbit/s.
const rate = 8000

// sendAudio renders the scenario's microphone track at 8 kHz and uploads it
// in chunks, leaving out chunks of pure silence (as a client that sends only
// sound above the room's floor would).
func (c *Client) sendAudio(ctx context.Context, sess *Session, sc *scenario.Scenario, start time.Time) (int64, error) {
	track, err := c.renderAudio(sc)
	if err != nil || track == nil {
		return 0, err
	}
	var seq int64
	step := audioChunkSeconds * rate
	for off := 0; off < len(track); off += step {
		part := track[off:min(off+step, len(track))]
		if silent(part) {
			continue
		}
		at := start.Add(time.Duration(off) * time.Second / rate)
		path := fmt.Sprintf("/api/v1/sessions/%d/audio/%d", sess.ID, seq)
		if err := c.call(ctx, http.MethodPut, path, sess.Token, "audio/basic", captured(at), voice.EncodeMuLaw(part), nil); err != nil {
			return seq, err
		}
		seq++
	}
	return seq, nil
}

// renderAudio mixes the scenario's audio spans into one 8 kHz track (nil
// when the scenario has no audio).
func (c *Client) renderAudio(sc *scenario.Scenario) ([]float32, error) {
	if len(sc.Audio) == 0 {
		return nil, nil
	}
	track := make([]float32, int(sc.Duration*rate))
	for _, span := range sc.Audio {
		samples, err := c.loadWAV(span.File)
		if err != nil {
			return nil, err
		}
		from, to := int(span.From*rate), min(int(span.To*rate), len(track))
		for i := from; i < to; i++ {
			j := i - from
			if j >= len(samples) {
				if !span.Loop {
					break
				}
				j %= len(samples)
			}
			track[i] += samples[j]
		}
	}
	return track, nil
}

func silent(x []float32) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

// loadWAV reads a 16-bit PCM WAV file (mono, or the first channel) and
// resamples it to 8 kHz.
func (c *Client) loadWAV(name string) ([]float32, error) {
	data, err := fs.ReadFile(c.Media, name)
	if err != nil {
		return nil, err
	}
	samples, srcRate, err := voice.DecodeWAV(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return voice.Resample(samples, srcRate, rate), nil
}
