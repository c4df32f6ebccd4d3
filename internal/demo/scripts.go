package demo

import (
	"math"

	"vigil/internal/proctor"
	"vigil/internal/scenario"
)

// script builds a scenario second by second: a default webcam view with
// stretches replaced, plus events and identity photos.
type script struct {
	sc     scenario.Scenario
	frames []string // per second: the frames spec shown
}

// Faces the demo students sit in front of (files of the embedded media).
const (
	faceEyes     = "frames/eyes_center_10s/*.jpg"
	faceObama    = "webcam320/obama_480p.jpg"
	faceBiden    = "webcam320/biden_headshoulders.jpg"
	faceBlueroom = "webcam320/obama_blueroom_headshoulders.jpg"
	facePigo     = "webcam320/pigo_sample.jpg"
	facePortrait = "webcam320/obama_portrait.jpg"
	deskEmpty    = "frames/desk_empty_dlib/*.jpg"
	deskStill    = "webcam320/desk_empty_320.jpg"
	twoPeople    = "webcam320/two_people.jpg"
	darkRoom     = "webcam320/derived_biden_dark.jpg"
	lookLeft     = "frames/eyes_center5_left5_center5/f[01][7890]_320.jpg" // eyes turned left (f07–f10)
	lookRight    = "frames/eyes_center5_right5_center5/f[01][7890]_320.jpg"
	typing       = "audio/keyboard_typing_10s_16k.wav"
	talking      = "audio/speech_jfk_16k.wav"
	talkTyping   = "audio/speech_jfk_plus_typing_16k.wav"
	fakeMicBeeps = "audio/beep_chromium_400.wav" // a fake microphone: beeps, never a voice
)

// idPhotos pairs each face with a photo that serves as its "photo ID".
var idPhotos = map[string]string{
	faceEyes: "frames/eyes_center_10s/f01_320.jpg", faceObama: facePortrait, faceBiden: faceBiden,
	faceBlueroom: facePortrait, facePigo: facePigo, facePortrait: faceObama,
}

// faceStill is a single still of a face, for its identity photos.
func faceStill(face string) string {
	if face == faceEyes {
		return "frames/eyes_center_10s/f03_320.jpg"
	}
	return face
}

func newScript(name string, seconds int, face string) *script {
	s := &script{frames: make([]string, seconds)}
	s.sc = scenario.Scenario{Name: name, Duration: float64(seconds), FPS: 1}
	for i := range s.frames {
		s.frames[i] = face
	}
	return s
}

// show replaces the webcam view from second from to second to.
func (s *script) show(from, to int, frames string) *script {
	for i := from; i < to && i < len(s.frames); i++ {
		s.frames[i] = frames
	}
	return s
}

// sound plays an audio file into the microphone from from to to seconds.
func (s *script) sound(from, to float64, file string, loop bool) *script {
	s.sc.Audio = append(s.sc.Audio, scenario.AudioSpan{From: from, To: to, File: file, Loop: loop})
	return s
}

// typingThroughout is the sound of a student answering on the keyboard.
func (s *script) typingThroughout() *script {
	return s.sound(0, s.sc.Duration, typing, true)
}

func (s *script) event(at float64, kind proctor.EventKind, set func(*scenario.Event)) *script {
	e := scenario.Event{At: at, Kind: kind}
	if set != nil {
		set(&e)
	}
	s.sc.Events = append(s.sc.Events, e)
	return s
}

// away adds a focus loss from from to to seconds.
func (s *script) away(from, to float64) *script {
	return s.event(from, proctor.EventFocusLost, nil).event(to, proctor.EventFocusGained, nil)
}

func (s *script) key(at float64, combo string) *script {
	return s.event(at, proctor.EventKey, func(e *scenario.Event) { e.Combo = combo })
}

func (s *script) app(from, to float64, name string) *script {
	s.event(from, proctor.EventApp, func(e *scenario.Event) { e.Name, e.State = name, "running" })
	return s.event(to, proctor.EventApp, func(e *scenario.Event) { e.Name, e.State = name, "stopped" })
}

func (s *script) share(at float64, surface string) *script {
	return s.event(at, proctor.EventScreenShare, func(e *scenario.Event) { e.Surface = surface })
}

// photos adds identity photo attempts: onboarding face and ID, then the
// verification face scan; bad attempts first where given.
func (s *script) photos(face string, badOnboarding ...string) *script {
	for _, bad := range badOnboarding {
		s.photo(proctor.PurposeOnboarding, proctor.PhotoFace, bad)
	}
	s.photo(proctor.PurposeOnboarding, proctor.PhotoFace, faceStill(face))
	s.photo(proctor.PurposeOnboarding, proctor.PhotoID, idPhotos[face])
	return s.photo(proctor.PurposeVerification, proctor.PhotoFace, faceStill(face))
}

func (s *script) photo(purpose proctor.PhotoPurpose, kind proctor.PhotoKind, file string) *script {
	s.sc.Photos = append(s.sc.Photos, scenario.Photo{Purpose: purpose, Kind: kind, File: file})
	return s
}

// build turns the per-second views into video spans.
func (s *script) build() *scenario.Scenario {
	sc := s.sc
	sc.Video = nil
	for i := 0; i < len(s.frames); {
		j := i
		for j < len(s.frames) && s.frames[j] == s.frames[i] {
			j++
		}
		sc.Video = append(sc.Video, scenario.VideoSpan{From: float64(i), To: float64(j), Frames: s.frames[i]})
		i = j
	}
	return &sc
}

// minutes rounds a duration in minutes to seconds.
func minutes(m float64) int { return int(math.Round(m * 60)) }
