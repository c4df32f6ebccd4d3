package voice

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ownMedia holds the synthetic tones, beeps, music beds and fans and the
// speech mixed over them (testdata/media/gen.go, SOURCES.md there).
const ownMedia = "../../../testdata/media/audio"

// steadyCase is one clip of the tone/music/fan measurements. Negatives
// have no clean; speech mixes name the shared recording (and its first
// seconds) the speech came from, for the reference of which windows hold
// speech.
type steadyCase struct {
	file, kind string // kind: tone, beep, music, fan, typing, quiet, speech
	clean      string
	cleanSecs  float64
}

var steadyCases = []steadyCase{
	{file: "tune_tone_440.wav", kind: "tone"},
	{file: "tune_tone_200.wav", kind: "tone"},
	{file: "tune_beep_300.wav", kind: "beep"},
	{file: "tune_beep_1k.wav", kind: "beep"},
	{file: "tune_beep_chromium_400.wav", kind: "beep"},
	{file: "tune_music_piano.wav", kind: "music"},
	{file: "tune_fan_brown_hum50.wav", kind: "fan"},
	{file: "tune_jfk_over_music.wav", kind: "speech", clean: "speech_jfk_16k.wav", cleanSecs: 6},
	{file: "tune_jfk_over_fan.wav", kind: "speech", clean: "speech_jfk_16k.wav", cleanSecs: 6},
	{file: "shared:keyboard_typing_10s_16k.wav", kind: "typing"},
	{file: "shared:roomtone_quiet_10s_16k.wav", kind: "quiet"},
	{file: "shared:speech_jfk_16k.wav", kind: "speech", clean: "speech_jfk_16k.wav"},
	{file: "judge_tone_2700.wav", kind: "tone"},
	{file: "judge_tone_150.wav", kind: "tone"},
	{file: "judge_tone_330_square.wav", kind: "tone"},
	{file: "judge_beep_150.wav", kind: "beep"},
	{file: "judge_beep_500.wav", kind: "beep"},
	{file: "judge_beep_pulse_250.wav", kind: "beep"},
	{file: "judge_music_organ_beat.wav", kind: "music"},
	{file: "judge_fan_pink_hum60.wav", kind: "fan"},
	{file: "judge_espeak_over_music.wav", kind: "speech", clean: "speech_espeak_16k.wav", cleanSecs: 6},
	{file: "judge_espeak_over_fan.wav", kind: "speech", clean: "speech_espeak_16k.wav", cleanSecs: 6},
	{file: "judge_alsa_over_music.wav", kind: "speech", clean: "speech_alsa_front_center_48k.wav", cleanSecs: 2},
	{file: "shared:keyboard_typing_10s_48k.wav", kind: "typing"},
	{file: "shared:noise_alsa_48k.wav", kind: "noise"},
	{file: "shared:speech_espeak_16k.wav", kind: "speech", clean: "speech_espeak_16k.wav"},
	{file: "shared:speech_alsa_front_center_48k.wav", kind: "speech", clean: "speech_alsa_front_center_48k.wav"},
}

func (c steadyCase) part() string {
	if strings.HasPrefix(c.file, "judge_") || c.file == "shared:keyboard_typing_10s_48k.wav" ||
		c.file == "shared:noise_alsa_48k.wav" || c.file == "shared:speech_espeak_16k.wav" ||
		c.file == "shared:speech_alsa_front_center_48k.wav" {
		return "judge"
	}
	return "tune"
}

// loadCase reads a clip from the repository's media or (shared:) the
// shared media.
func loadCase(t testing.TB, name string) ([]float32, int) {
	t.Helper()
	if n, ok := strings.CutPrefix(name, "shared:"); ok {
		return loadWAV(t, n)
	}
	data, err := os.ReadFile(filepath.Join(ownMedia, name))
	if err != nil {
		t.Fatalf("%v (regenerate with `go run testdata/media/gen.go`)", err)
	}
	x, rate, err := DecodeWAV(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x, rate
}

// steadyResult is one clip through the client's path (8 kHz μ-law).
type steadyResult struct {
	steadyCase
	windows      int
	voiceBefore  int // Voice windows counting steady frames (the detector before)
	voiceAfter   int // Voice windows now
	ref, hitRef  int // reference speech windows, and those Voice now
	hitRefBefore int
	frames       int // frames Silero calls voiced (>= 0.5)
	steady       int // of those, steady
}

func measureSteady(t *testing.T, d *Detector, c steadyCase) steadyResult {
	t.Helper()
	x, rate := loadCase(t, c.file)
	ws := analyze(t, d, ulawPath(x, rate), Rate)
	r := steadyResult{steadyCase: c, windows: len(ws)}
	var ref []bool
	if c.clean != "" {
		cx, crate := loadWAV(t, c.clean)
		if c.cleanSecs > 0 {
			cx = cx[:min(len(cx), int(c.cleanSecs*float64(crate)))]
		}
		ref = referenceVoiced(analyze(t, d, ulawPath(cx, crate), Rate))
		// analyze reused the detector: measure the clip again.
		ws = analyze(t, d, ulawPath(x, rate), Rate)
	}
	for i, w := range ws {
		f0, f1 := i*windowLen/frameLen, min((i+1)*windowLen/frameLen, len(d.probs))
		var raw float32
		for j := f0; j < f1; j++ {
			raw = max(raw, d.probs[j])
			if d.probs[j] >= VoiceThreshold {
				r.frames++
				if d.steady[j] {
					r.steady++
				}
			}
		}
		before := raw >= VoiceThreshold && w.MaxdB >= VoiceMinDB
		after := w.Speech >= VoiceThreshold && w.MaxdB >= VoiceMinDB // the Background Audio rule at its default
		r.voiceBefore += b2i(before)
		r.voiceAfter += b2i(after)
		if i < len(ref) && ref[i] {
			r.ref++
			r.hitRef += b2i(after)
			r.hitRefBefore += b2i(before)
		}
	}
	return r
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSteadySoundsAreNotVoice: tones, beeps (Chromium's fake microphone
// among them), fans and typing give no Voice window, music beds at most
// one (which no rule acts on); speech
// alone and over a music bed or a fan keeps its Voice windows (at most one
// lost per clip). The table is
// the one in MEASUREMENTS.md (go test -run SteadySounds -v).
func TestSteadySoundsAreNotVoice(t *testing.T) {
	d := newTestDetector(t)
	var b strings.Builder
	b.WriteString("| part | clip | kind | windows | Voice before | Voice now | voiced frames (steady) | speech windows found before / now |\n")
	b.WriteString("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n")
	type score struct{ tp, fp, ref, tpBefore, fpBefore int }
	parts := map[string]*score{"tune": {}, "judge": {}}
	for _, c := range steadyCases {
		r := measureSteady(t, d, c)
		found := "–"
		if r.clean != "" {
			found = fmt.Sprintf("%d / %d of %d", r.hitRefBefore, r.hitRef, r.ref)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %d | %d (%d) | %s |\n", c.part(), strings.TrimSuffix(strings.TrimPrefix(c.file, "shared:"), ".wav"),
			c.kind, r.windows, r.voiceBefore, r.voiceAfter, r.frames, r.steady, found)
		s := parts[c.part()]
		if c.kind == "speech" {
			s.tp, s.tpBefore, s.ref = s.tp+r.hitRef, s.tpBefore+r.hitRefBefore, s.ref+r.ref
			s.fp += r.voiceAfter - r.hitRef // Voice where the clean speech is silent
			s.fpBefore += r.voiceBefore - r.hitRefBefore
		} else {
			s.fp += r.voiceAfter
			s.fpBefore += r.voiceBefore
		}
		switch c.kind {
		case "tone", "beep", "fan", "typing", "quiet", "noise":
			if r.voiceAfter > 0 {
				t.Errorf("%s (%s): %d Voice windows, want none", c.file, c.kind, r.voiceAfter)
			}
		case "music":
			// Measured: one piano note scores 0.58 with its neighbours at
			// 0.34 and 0.00, which is what a word's edge looks like too.
			// One window of 500 ms is under every rule's minimum.
			if r.voiceAfter > 1 {
				t.Errorf("%s (%s): %d Voice windows, want at most one", c.file, c.kind, r.voiceAfter)
			}
		case "speech":
			if r.hitRef < r.ref*8/10 || r.hitRef < r.hitRefBefore-1 {
				t.Errorf("%s: %d of %d speech windows Voice (before the steady-frame rule %d), want >= 80 %% and at most one lost",
					c.file, r.hitRef, r.ref, r.hitRefBefore)
			}
		}
	}
	b.WriteString("\n| part | Voice windows: precision before → now | recall before → now |\n| --- | --- | --- |\n")
	for _, p := range []string{"tune", "judge"} {
		s := parts[p]
		fmt.Fprintf(&b, "| %s | %.2f → %.2f (%d → %d false) | %.2f → %.2f (of %d) |\n", p,
			ratio(s.tpBefore, s.tpBefore+s.fpBefore), ratio(s.tp, s.tp+s.fp), s.fpBefore, s.fp,
			ratio(s.tpBefore, s.ref), ratio(s.tp, s.ref), s.ref)
	}
	t.Logf("\n%s", b.String())
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// TestSpectrumFeatures checks the two features on sounds whose answer is
// known by construction.
func TestSpectrumFeatures(t *testing.T) {
	s := newSpectrum()
	frame := make([]float32, specLen)
	feed := func(f func(i int) float64) frameFeatures {
		for i := range frame {
			frame[i] = float32(f(i))
		}
		return s.analyse(frame)
	}
	n := 0
	sine := func(i int) float64 { return 0.3 * math.Sin(2*math.Pi*1000*float64(n*specLen+i)/Rate) }
	for ; n < 5; n++ {
		f := feed(sine)
		if f.toneShare < 0.95 || !f.steady() {
			t.Fatalf("1 kHz sine frame %d: %+v, want a tone", n, f)
		}
		if n >= 2 && f.repeat < 0.99 {
			t.Fatalf("1 kHz sine frame %d: repeat %.3f, want ~1", n, f.repeat)
		}
	}
	s.reset()
	var seed uint64 = 1
	noise := func(int) float64 { // xorshift: white noise, never the same twice
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return float64(int64(seed%2001)-1000) / 4000
	}
	for n = range 5 {
		if f := feed(noise); f.steady() || f.toneShare > 0.2 {
			t.Fatalf("white noise frame %d: %+v, want not steady", n, f)
		}
	}
	s.silent()
	if f := feed(func(int) float64 { return 0 }); f.steady() {
		t.Fatalf("zeros: %+v", f)
	}
}
