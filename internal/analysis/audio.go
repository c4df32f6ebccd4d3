package analysis

import (
	"fmt"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/proctor"
)

// Background Audio thresholds that are not the instructor's to tune.
const (
	// mergeGap joins voice (or noise) windows separated by short pauses — the
	// gaps between words and sentences (JFK pauses 1.5 s between them) — into
	// one stretch.
	mergeGap = 2500 * time.Millisecond
	// noiseMinSeconds is how long loud non-voice sound must last.
	noiseMinSeconds = 3
)

// audioSpan is a stretch of windows of one kind.
type audioSpan struct {
	start, end time.Time
	peak       float64 // highest speech probability or level
	windows    int
}

// audioRule flags voices (any sustained speech) and loud sustained sound
// that is not speech. Keyboard tapping and room tone are neither.
func audioRule(in Input) []proctor.Violation {
	th := in.Settings.BackgroundAudio.ThresholdOr(proctor.DefaultSpeechProb)
	// A voice is likely speech loud enough to be near the student; loud
	// sustained sound keeps its level up through the window, which typing,
	// a series of short taps, does not (voice.MEASUREMENTS.md).
	kind := func(a *proctor.AudioSignal) voice.Kind { return voice.Classify(a.Speech, a.MaxdB, a.FloordB, th) }
	isVoice := func(a *proctor.AudioSignal) bool { return kind(a) == voice.Voice }
	isNoise := func(a *proctor.AudioSignal) bool { return kind(a) == voice.LoudNoise }
	var out []proctor.Violation
	for _, s := range audioSpans(in.Audio, isVoice, func(a *proctor.AudioSignal) float64 { return a.Speech }) {
		v := audioViolation(s, proctor.CauseVoice, s.peak)
		judgeDuration(&v, &in.Settings.BackgroundAudio, "a voice was heard")
		out = keepIfLongEnough(out, v, in.Settings.BackgroundAudio.MinSeconds)
	}
	for _, s := range audioSpans(in.Audio, isNoise, func(a *proctor.AudioSignal) float64 { return a.RMSdB }) {
		v := audioViolation(s, proctor.CauseNoise, 0.7)
		v.Detail = fmt.Sprintf("up to %.0f dBFS", s.peak)
		rule := in.Settings.BackgroundAudio
		rule.MinSeconds = max(rule.MinSeconds, noiseMinSeconds)
		judgeDuration(&v, &rule, "loud sustained sound that is not a voice")
		out = keepIfLongEnough(out, v, rule.MinSeconds)
	}
	return out
}

func audioViolation(s audioSpan, cause proctor.Cause, confidence float64) proctor.Violation {
	return proctor.Violation{Type: proctor.BackgroundAudio, Start: s.start, End: s.end, Cause: cause,
		Rule: "background_audio." + string(cause), Confidence: min(1, confidence)}
}

// keepIfLongEnough keeps applied violations, and unapplied ones lasting at
// least half the minimum (shorter ones are noise in the record).
func keepIfLongEnough(out []proctor.Violation, v proctor.Violation, minSeconds float64) []proctor.Violation {
	if v.Applied || v.Duration().Seconds() >= minSeconds/2 {
		out = append(out, v)
	}
	return out
}

// audioSpans merges consecutive windows matching match into spans, across
// gaps of at most mergeGap.
func audioSpans(ws []proctor.AudioSignal, match func(*proctor.AudioSignal) bool, value func(*proctor.AudioSignal) float64) []audioSpan {
	var out []audioSpan
	for i := range ws {
		w := &ws[i]
		if !match(w) {
			continue
		}
		end := w.Start.Add(time.Duration(w.DurMS) * time.Millisecond)
		if n := len(out); n > 0 && !w.Start.After(out[n-1].end.Add(mergeGap)) {
			out[n-1].end = later(out[n-1].end, end)
			out[n-1].peak = max(out[n-1].peak, value(w))
			out[n-1].windows++
			continue
		}
		out = append(out, audioSpan{start: w.Start, end: end, peak: value(w), windows: 1})
	}
	return out
}
