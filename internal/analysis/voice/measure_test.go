package voice

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The shared audio and what each file is (media/README.md). Every WAV in
// the folder must be listed here, so a new file cannot go unmeasured.
var groundTruth = map[string]string{
	"speech_jfk_16k.wav":               "speech",
	"speech_jfk_48k.wav":               "speech",
	"speech_alsa_front_center_48k.wav": "speech",
	"speech_espeak_16k.wav":            "speech",
	"speech_jfk_plus_typing_16k.wav":   "speech",
	"speech_jfk_plus_typing_48k.wav":   "speech",
	"keyboard_typing_10s_16k.wav":      "typing",
	"keyboard_typing_10s_48k.wav":      "typing",
	"noise_alsa_48k.wav":               "noise",
	"roomtone_quiet_10s_16k.wav":       "quiet",
}

// cleanOf names the clean recording a mix was made from, for the
// reference of which windows hold speech.
var cleanOf = map[string]string{
	"speech_jfk_plus_typing_16k.wav": "speech_jfk_16k.wav",
	"speech_jfk_plus_typing_48k.wav": "speech_jfk_48k.wav",
}

// measurement is one file through one path.
type measurement struct {
	file, path string
	windows    []Window
	kinds      [3]int    // windows per Kind
	frames     []float32 // per-frame speech probabilities, sorted
	refVoiced  int       // windows of the clean speech that hold sound (speech files)
	missed     int       // of those, not classified Voice
}

func (m *measurement) frac(k Kind) float64 {
	return float64(m.kinds[k]) / float64(len(m.windows))
}

func (m *measurement) maxSpeech() float32 {
	var v float32
	for _, w := range m.windows {
		v = max(v, w.Speech)
	}
	return v
}

func (m *measurement) floorRange() (lo, hi float32) {
	lo, hi = 1000, -1000
	for _, w := range m.windows {
		lo, hi = min(lo, w.FloordB), max(hi, w.FloordB)
	}
	return lo, hi
}

// ulawPath is what a client sends: resample to 8 kHz, encode μ-law; the
// server decodes it.
func ulawPath(x []float32, rate int) []float32 {
	return DecodeMuLaw(EncodeMuLaw(Resample(x, rate, Rate)))
}

// referenceVoiced marks the windows of a clean speech recording that hold
// speech: their level is at least 6 dB above the level they stay above
// 90 % of the time (steady hiss in pauses is not) and above -50 dBFS.
func referenceVoiced(ws []Window) []bool {
	out := make([]bool, len(ws))
	for i, w := range ws {
		out[i] = w.RMSdB >= -50 && w.RMSdB-w.FloordB >= 6
	}
	return out
}

func measureAll(t *testing.T, d *Detector) []*measurement {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(mediaDir, "*.wav"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no WAV files in %s (expected the shared media folder beside the repository)", mediaDir)
	}
	var out []*measurement
	for _, f := range files {
		name := filepath.Base(f)
		truth, ok := groundTruth[name]
		if !ok {
			t.Fatalf("%s has no ground truth in groundTruth: add it", name)
		}
		x, rate := loadWAV(t, name)
		var ref []bool
		if truth == "speech" {
			clean := name
			if c, ok := cleanOf[name]; ok {
				clean = c
			}
			cx, crate := loadWAV(t, clean)
			ref = referenceVoiced(analyze(t, d, cx, crate))
		}
		for _, path := range []string{"native", "ulaw"} {
			in, r := x, rate
			if path == "ulaw" {
				in, r = ulawPath(x, rate), Rate
			}
			m := &measurement{file: name, path: path, windows: analyze(t, d, in, r)}
			m.frames = slices.Clone(d.probs)
			slices.Sort(m.frames)
			for i, w := range m.windows {
				k := classify(w)
				m.kinds[k]++
				if ref != nil && i < len(ref) && ref[i] {
					m.refVoiced++
					if k != Voice {
						m.missed++
					}
				}
			}
			out = append(out, m)
		}
	}
	return out
}

func analyze(t testing.TB, d *Detector, x []float32, rate int) []Window {
	t.Helper()
	ws, err := d.Analyze(x, rate)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return ws
}

func pct(v float64) string { return fmt.Sprintf("%.0f %%", 100*v) }

func quantile(sorted []float32, q float64) float32 {
	return sorted[int(q*float64(len(sorted)-1)+0.5)]
}

// table renders the measurements as the Markdown of MEASUREMENTS.md.
func table(ms []*measurement) string {
	var b strings.Builder
	b.WriteString("| file | path | windows | Voice | LoudNoise | None | window Speech min / median / max | frame P50 / P90 | FloordB min / max | voice windows missed |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- |\n")
	for _, m := range ms {
		sp := make([]float32, len(m.windows))
		for i, w := range m.windows {
			sp[i] = w.Speech
		}
		slices.Sort(sp)
		lo, hi := m.floorRange()
		missed := "–"
		if m.refVoiced > 0 {
			missed = fmt.Sprintf("%d of %d (%s)", m.missed, m.refVoiced, pct(float64(m.missed)/float64(m.refVoiced)))
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %.3f / %.3f / %.3f | %.3f / %.3f | %.1f / %.1f | %s |\n",
			strings.TrimSuffix(m.file, ".wav"), m.path, len(m.windows),
			pct(m.frac(Voice)), pct(m.frac(LoudNoise)), pct(m.frac(None)),
			sp[0], quantile(sp, 0.5), sp[len(sp)-1],
			quantile(m.frames, 0.5), quantile(m.frames, 0.9), lo, hi, missed)
	}
	return b.String()
}

// alternatives compares the chosen voice rule (best frame >= 0.5) with
// stricter ones, as the fraction of windows each calls voice.
func alternatives(ms []*measurement) string {
	var b strings.Builder
	b.WriteString("| file | path | best frame >= 0.5 (chosen) | >= 2 voiced frames (64 ms) | >= half the frames voiced |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: |\n")
	for _, m := range ms {
		var best, two, half int
		for _, w := range m.windows {
			frames := float32(w.DurMS+FrameMS/2) / FrameMS
			if w.Speech >= VoiceThreshold {
				best++
			}
			if w.SpeechFrac*frames >= 1.5 {
				two++
			}
			if w.SpeechFrac >= 0.5 {
				half++
			}
		}
		n := float64(len(m.windows))
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", strings.TrimSuffix(m.file, ".wav"), m.path,
			pct(float64(best)/n), pct(float64(two)/n), pct(float64(half)/n))
	}
	return b.String()
}

// TestMeasurements runs every shared WAV through the detector at its
// native rate and through the client's path (8 kHz μ-law), asserts the
// behaviour MEASUREMENTS.md reports with margins, and logs the table
// (go test -run Measurements -v).
func TestMeasurements(t *testing.T) {
	d := newTestDetector(t)
	ms := measureAll(t, d)
	t.Logf("\n%s\n%s", table(ms), alternatives(ms))

	// Measured minimum Voice fraction per speech file (either path), less
	// a margin of about two windows: pauses between phrases are not
	// speech, and the JFK recording has two of them.
	minVoice := map[string]float64{
		"speech_jfk_16k.wav":               0.75, // measured 0.86
		"speech_jfk_48k.wav":               0.75, // 0.86
		"speech_jfk_plus_typing_16k.wav":   0.70, // 0.82
		"speech_jfk_plus_typing_48k.wav":   0.70, // 0.82
		"speech_espeak_16k.wav":            0.90, // 1.00
		"speech_alsa_front_center_48k.wav": 0.99, // 1.00 (3 windows)
	}
	var refVoiced, missed int
	for _, m := range ms {
		id := m.file + " (" + m.path + ")"
		switch groundTruth[m.file] {
		case "speech":
			if got := m.frac(Voice); got < minVoice[m.file] {
				t.Errorf("%s: %.2f of windows Voice, want >= %.2f", id, got, minVoice[m.file])
			}
			refVoiced += m.refVoiced
			missed += m.missed
		case "typing":
			// Typing is neither voice nor loud noise. Measured: Speech at
			// most 0.16, FloordB at most -47.5 (key presses leave gaps).
			if m.kinds[Voice] > 0 || m.kinds[LoudNoise] > 0 {
				t.Errorf("%s: %d Voice and %d LoudNoise windows, want none", id, m.kinds[Voice], m.kinds[LoudNoise])
			}
			if s := m.maxSpeech(); s > 0.3 {
				t.Errorf("%s: Speech up to %.3f, measured at most 0.16; want <= 0.3", id, s)
			}
			if _, hi := m.floorRange(); hi > LoudFloorDB-5 {
				t.Errorf("%s: FloordB up to %.1f, want <= %v", id, hi, LoudFloorDB-5)
			}
		case "quiet":
			if m.kinds[None] != len(m.windows) {
				t.Errorf("%s: kinds %v, want every window None", id, m.kinds)
			}
			if s := m.maxSpeech(); s > 0.1 {
				t.Errorf("%s: Speech up to %.3f, measured at most 0.03; want <= 0.1", id, s)
			}
			if _, hi := m.floorRange(); hi > LoudFloorDB-5 {
				t.Errorf("%s: FloordB up to %.1f, want <= %v", id, hi, LoudFloorDB-5)
			}
		case "noise":
			if m.kinds[LoudNoise] != len(m.windows) {
				t.Errorf("%s: kinds %v, want every window LoudNoise", id, m.kinds)
			}
			if lo, _ := m.floorRange(); lo < LoudFloorDB+3 {
				t.Errorf("%s: FloordB down to %.1f, want >= %v", id, lo, LoudFloorDB+3)
			}
		}
	}
	// Of the windows that hold speech in the clean recordings, at most
	// 10 % may be missed over all speech files and both paths (measured
	// about 4 %).
	if refVoiced == 0 {
		t.Fatal("no reference voice windows")
	}
	if r := float64(missed) / float64(refVoiced); r > 0.10 {
		t.Errorf("missed %d of %d voice windows (%.1f %%), want <= 10 %%", missed, refVoiced, 100*r)
	}
	t.Logf("voice windows missed over all speech files and both paths: %d of %d (%.1f %%)",
		missed, refVoiced, 100*float64(missed)/float64(refVoiced))
}

// TestMuLawKeepsClassification: the client's path (8 kHz μ-law) gives the
// same Kind as the native file for nearly every window.
func TestMuLawKeepsClassification(t *testing.T) {
	d := newTestDetector(t)
	var total, differ int
	for name := range groundTruth {
		x, rate := loadWAV(t, name)
		native := analyze(t, d, x, rate)
		ulaw := analyze(t, d, ulawPath(x, rate), Rate)
		if len(native) != len(ulaw) {
			t.Fatalf("%s: %d windows native, %d through μ-law", name, len(native), len(ulaw))
		}
		for i := range native {
			total++
			if a, b := classify(native[i]), classify(ulaw[i]); a != b {
				differ++
				t.Logf("%s window %d: %v native, %v through μ-law (Speech %.3f vs %.3f)",
					name, i, a, b, native[i].Speech, ulaw[i].Speech)
			}
			// Above -60 dBFS (below, μ-law's coarse steps near zero
			// dominate): measured at most 0.17 dB apart.
			if dl := native[i].RMSdB - ulaw[i].RMSdB; native[i].RMSdB > -60 && (dl > 0.5 || dl < -0.5) {
				t.Errorf("%s window %d: level %.1f native, %.1f through μ-law", name, i, native[i].RMSdB, ulaw[i].RMSdB)
			}
		}
	}
	// Measured: 2 of 166 (the same word onset in the JFK+typing mix at
	// both rates: Speech 0.45 native, 0.59 through μ-law).
	if differ > total/50 {
		t.Errorf("%d of %d windows change Kind through μ-law, want <= 2 %%", differ, total)
	}
}
