package web_test

import (
	"math/rand/v2"
	"testing"

	"vigil/internal/analysis/voice"
)

// TestAudioMatchThroughDrops checks the check TestStudentWholePath makes
// of the microphone's audio, without a browser: 30 s of the speech WAV
// (from an arbitrary point of its loop, through μ-law, in 5 s chunks as
// the client sends it) still matches with a starved audio thread's drops
// in it — a dozen holes of 50 to 400 ms — while other sound (another
// speaker, typing, noise) never does, whole or with the same holes.
func TestAudioMatchThroughDrops(t *testing.T) {
	load := func(name string) []float32 {
		x, rate := loadWAVFile(t, mediaPath(t, "audio/"+name))
		return voice.Resample(x, rate, 8000)
	}
	ref := load("speech_jfk_48k.wav")
	rng := rand.New(rand.NewPCG(14, 1))
	for _, c := range []struct {
		name  string
		sound []float32
		drops int
		match bool
	}{
		{"the WAV", ref, 0, true},
		{"the WAV with drops", ref, 12, true},
		{"another speaker", load("speech_alsa_front_center_48k.wav"), 0, false},
		{"another speaker with drops", load("speech_alsa_front_center_48k.wav"), 12, false},
		{"typing", load("keyboard_typing_10s_48k.wav"), 0, false},
		{"noise", load("noise_alsa_48k.wav"), 0, false},
	} {
		x := recorded(c.sound, rng.IntN(len(c.sound)), 30*8000)
		x = dropBlocks(x, c.drops, rng)
		var cs []float64
		for i := 0; i < len(x); i += 5 * 8000 {
			chunk := voice.DecodeMuLaw(voice.EncodeMuLaw(x[i:min(i+5*8000, len(x))]))
			cs = append(cs, windowCorrelations(chunk, ref)...)
		}
		median, p10, lowest, err := audioMatch(cs)
		t.Logf("%s: %d half-seconds, median %.3f, 10th percentile %.3f, lowest %.3f", c.name, len(cs), median, p10, lowest)
		correlated := median >= minAudioCorrelation && p10 >= minAudioCorrelation90
		if correlated != c.match || (c.match && err != nil) {
			t.Errorf("%s: correlated %v (%v), want %v", c.name, correlated, err, c.match)
		}
	}
}

// recorded is n samples of sound played in a loop from position from, as
// the fake microphone plays its file.
func recorded(sound []float32, from, n int) []float32 {
	out := make([]float32, 0, n)
	for i := from; len(out) < n; i++ {
		out = append(out, sound[i%len(sound)])
	}
	return out
}

// dropBlocks cuts n holes of 50 to 400 ms (400 to 3200 samples at 8 kHz)
// out of x at random places, as an audio thread that missed its deadlines
// loses whole blocks.
func dropBlocks(x []float32, n int, rng *rand.Rand) []float32 {
	for range n {
		size := 400 + rng.IntN(2800)
		at := rng.IntN(len(x) - size)
		x = append(x[:at:at], x[at+size:]...)
	}
	return x
}
