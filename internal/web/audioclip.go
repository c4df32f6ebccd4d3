package web

import (
	"net/http"

	"vigil/internal/analysis/voice"
	"vigil/internal/review"
)

// violationAudio plays a Background Audio violation's sound (WAV).
func (s *Server) violationAudio(w http.ResponseWriter, r *http.Request, v *viewer) {
	clip, ok := s.loadViolationAudio(w, r, v)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(voice.EncodeWAV(clip.Samples, clip.Rate))
}

// violationWaveform draws that sound's waveform (SVG).
func (s *Server) violationWaveform(w http.ResponseWriter, r *http.Request, v *viewer) {
	clip, ok := s.loadViolationAudio(w, r, v)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(clip.WaveformSVG(480, 80)))
}

func (s *Server) loadViolationAudio(w http.ResponseWriter, r *http.Request, v *viewer) (*review.AudioClip, bool) {
	if !s.allowMedia(w, r, v, s.media.other) {
		return nil, false
	}
	id, err := pathID(r, "id")
	var vid int64
	if err == nil {
		vid, err = pathID(r, "violation")
	}
	var clip *review.AudioClip
	if err == nil {
		clip, err = s.Review.ViolationAudio(r.Context(), v.actor(r), id, vid, s.Blobs)
	}
	if err != nil {
		s.apiError(w, r, err)
		return nil, false
	}
	return clip, true
}
