// Package scenario reads scripted exam sessions in the format of the shared
// docs/EVAL.md: what the webcam sees second by second, what the browser
// reports, and which violations a correct system reports. The simulated
// capture client (package simclient) plays them through the real ingest API;
// the demo and the tests are built from them.
package scenario

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"vigil/internal/proctor"
)

// Scenario is one scripted session.
type Scenario struct {
	Name     string          `json:"name"`
	Note     string          `json:"note,omitempty"`
	Duration float64         `json:"duration"` // seconds
	FPS      float64         `json:"fps"`
	Video    []VideoSpan     `json:"video"`
	Audio    []AudioSpan     `json:"audio,omitempty"`
	Events   []Event         `json:"events"`
	Settings json.RawMessage `json:"settings,omitempty"`
	Expect   []Expected      `json:"expect"`
	// Photos is Vigil's extension of the format: identity photos the client
	// takes before the exam, in order (onboarding, then verification).
	Photos []Photo `json:"photos,omitempty"`
	// Screen is Vigil's extension too: a WebM file the screen recording
	// sends from the start, in chunks of ScreenChunkSeconds each.
	Screen string `json:"screen,omitempty"`
}

// ScreenChunkSeconds is how much of the screen recording one chunk
// carries, as a MediaRecorder with a 10-second timeslice sends it.
const ScreenChunkSeconds = 10

// VideoSpan says which frames the webcam shows from From to To seconds: one
// file repeated, or a glob whose files play in name order, one per frame,
// looping.
type VideoSpan struct {
	From   float64 `json:"from"`
	To     float64 `json:"to"`
	Frames string  `json:"frames"`
	// Faces, when set, is how many faces of live people the camera shows in
	// the span (not a picture, a poster or an animal): the truth every
	// frame's face count is checked against, face by face (vigil eval).
	Faces *int `json:"faces,omitempty"`
}

// AudioSpan is what the microphone hears (kept for the audio detector).
type AudioSpan struct {
	From float64 `json:"from"`
	To   float64 `json:"to"`
	File string  `json:"file"`
	Loop bool    `json:"loop,omitempty"`
}

// Event is a browser or agent event at a second of the session.
type Event struct {
	At      float64           `json:"at"`
	Kind    proctor.EventKind `json:"kind"`
	Combo   string            `json:"combo,omitempty"`
	Surface string            `json:"surface,omitempty"`
	Count   int               `json:"count,omitempty"`
	Name    string            `json:"name,omitempty"`
	State   string            `json:"state,omitempty"`
	URL     string            `json:"url,omitempty"`
}

// Expected is a violation a correct system reports.
type Expected struct {
	Type  proctor.ViolationType `json:"type"`
	From  float64               `json:"from"`
	To    float64               `json:"to"`
	Cause string                `json:"cause,omitempty"`
}

// Photo is an identity photo attempt.
type Photo struct {
	Purpose proctor.PhotoPurpose `json:"purpose"`
	Kind    proctor.PhotoKind    `json:"kind"`
	File    string               `json:"file"`
}

// Parse reads and checks a scenario.
func Parse(data []byte) (*Scenario, error) {
	var s Scenario
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if s.FPS == 0 {
		s.FPS = 1
	}
	if s.Duration <= 0 || s.FPS < 0 || s.FPS > 30 {
		return nil, fmt.Errorf("scenario %q: duration must be positive and fps between 0 and 30", s.Name)
	}
	for _, v := range s.Video {
		if v.To <= v.From || v.Frames == "" {
			return nil, fmt.Errorf("scenario %q: video span %v–%v needs frames and to > from", s.Name, v.From, v.To)
		}
		if v.Faces != nil && (*v.Faces < 0 || *v.Faces > 50) {
			return nil, fmt.Errorf("scenario %q: video span %v–%v: faces must be 0 to 50", s.Name, v.From, v.To)
		}
	}
	for _, e := range s.Events {
		if !e.Kind.Valid() {
			return nil, fmt.Errorf("scenario %q: unknown event kind %q", s.Name, e.Kind)
		}
	}
	return &s, nil
}

// Load reads a scenario file from fsys.
func Load(fsys fs.FS, name string) (*Scenario, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Frame is one webcam frame to send: its time and the media file it shows.
type Frame struct {
	At   float64 // seconds from the start
	File string  // path in the media root
	// Faces is the span's live faces (VideoSpan.Faces), −1 when not given.
	Faces int
}

// Frames lists the frames to send, resolving globs against media. Seconds
// no video span covers send no frame (the camera sent nothing).
func (s *Scenario) Frames(media fs.FS) ([]Frame, error) {
	var out []Frame
	step := 1 / s.FPS
	for _, v := range s.Video {
		files, err := expand(media, v.Frames)
		if err != nil {
			return nil, fmt.Errorf("scenario %q: %w", s.Name, err)
		}
		faces := -1
		if v.Faces != nil {
			faces = *v.Faces
		}
		for i, t := 0, v.From; t < v.To-1e-9 && t < s.Duration; i, t = i+1, t+step {
			out = append(out, Frame{At: t, File: files[i%len(files)], Faces: faces})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out, nil
}

// expand resolves one file or a glob to files in name order.
func expand(media fs.FS, pattern string) ([]string, error) {
	if !strings.ContainsAny(pattern, "*?[") {
		if _, err := fs.Stat(media, pattern); err != nil {
			return nil, fmt.Errorf("media file %s: %w", pattern, err)
		}
		return []string{pattern}, nil
	}
	files, err := fs.Glob(media, path.Clean(pattern))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("media glob %s matches no file", pattern)
	}
	sort.Strings(files)
	return files, nil
}
