//go:build ignore

// gen writes the synthetic audio of testdata/media/audio: sounds that are not
// speech (pure tones, beeps like Chromium's fake microphone, music beds, fan
// noise) and speech from the shared media mixed over a music bed or a fan.
// Everything is 8 kHz mono 16-bit PCM and deterministic (fixed seeds), so
// running it again gives the same bytes. Run from the repository root with
// the shared folder beside it:
//
//	go run testdata/media/gen.go
//
// Files are split in two (see SOURCES.md): tune_* set the thresholds,
// judge_* are different frequencies, a different music bed, another fan and
// other speakers, and are only used to report how the thresholds do.
package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"vigil/internal/analysis/voice"
)

const (
	rate   = 8000
	out    = "testdata/media/audio"
	shared = "../shared/media/audio"
)

func main() {
	if err := os.MkdirAll(out, 0o755); err != nil {
		log.Fatal(err)
	}
	jfk := speech("speech_jfk_16k.wav", 0, 6)
	espeak := speech("speech_espeak_16k.wav", 0, 6)
	alsa := speech("speech_alsa_front_center_48k.wav", 0, 2)
	musicA := pianoBed(6, 1)
	musicB := organBedWithBeat(6, 2)
	fanA := fan(6, 3, brown, 50)
	fanB := fan(6, 4, pink, 60)

	files := []struct {
		name string
		x    []float32
	}{
		// Tuning part.
		{"tune_tone_440.wav", gain(tone(6, 440, sine), -12)},
		{"tune_tone_200.wav", gain(tone(6, 200, sine), -6)},
		{"tune_beep_300.wav", gain(beeps(6, 300, 0.25, 0.5, sine), -26)},
		{"tune_beep_1k.wav", gain(beeps(6, 1000, 0.25, 0.5, sine), -12)},
		{"tune_beep_chromium_400.wav", gain(chromiumBeeps(6, 400, 0.02), -20)},
		{"tune_music_piano.wav", gain(musicA, -24)},
		{"tune_fan_brown_hum50.wav", gain(fanA, -30)},
		{"tune_jfk_over_music.wav", mix(jfk, gain(musicA, -30))},
		{"tune_jfk_over_fan.wav", mix(jfk, gain(fanA, -34))},
		// Judging part: other frequencies and shapes, a different music
		// bed and fan, other speakers.
		{"judge_tone_2700.wav", gain(tone(6, 2700, sine), -18)},
		{"judge_tone_150.wav", gain(tone(6, 150, sine), -6)},
		{"judge_tone_330_square.wav", gain(tone(6, 330, square), -20)},
		{"judge_beep_150.wav", gain(beeps(6, 150, 0.25, 0.5, sine), -6)},
		{"judge_beep_500.wav", gain(beeps(6, 500, 0.25, 0.5, sine), -26)},
		{"judge_beep_pulse_250.wav", gain(chromiumBeeps(6, 250, 0.03), -8)},
		{"judge_music_organ_beat.wav", gain(musicB, -24)},
		{"judge_fan_pink_hum60.wav", gain(fanB, -30)},
		{"judge_espeak_over_music.wav", mix(espeak, gain(musicB, -32))},
		{"judge_espeak_over_fan.wav", mix(espeak, gain(fanB, -36))},
		{"judge_alsa_over_music.wav", mix(alsa, gain(musicB[:len(alsa)], -32))},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(out, f.name), wav(f.x), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-32s %5.2f s  %6.1f dBFS\n", f.name, float64(len(f.x))/rate, rmsDB(f.x))
	}
}

// speech reads a shared recording, resamples it to 8 kHz and keeps from..to
// seconds.
func speech(name string, from, to float64) []float32 {
	data, err := os.ReadFile(filepath.Join(shared, name))
	if err != nil {
		log.Fatalf("%v (the shared folder must be beside the repository)", err)
	}
	x, r, err := voice.DecodeWAV(data)
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	x = voice.Resample(x, r, rate)
	return x[int(from*rate):min(len(x), int(to*rate))]
}

func tone(secs, hz float64, shape func(float64) float64) []float32 {
	x := make([]float32, int(secs*rate))
	for i := range x {
		x[i] = float32(shape(hz * float64(i) / rate))
	}
	return fade(x)
}

// chromiumBeeps imitates the fake microphone of Chromium's
// --use-fake-device-for-media-stream without a file: every 500 ms a beep of
// on seconds, a unipolar square wave (the 8-bit buffer goes from its
// midpoint to full scale) whose phase restarts with every 10 ms buffer.
func chromiumBeeps(secs, hz, on float64) []float32 {
	x := make([]float32, int(secs*rate))
	for i := range x {
		t := float64(i) / rate
		inBuffer := math.Mod(t, 0.01)
		if math.Mod(t, 0.5) < on && math.Mod(inBuffer*hz, 1) < 0.5 {
			x[i] = 1
		}
	}
	return x
}

func sine(phase float64) float64 { return math.Sin(2 * math.Pi * phase) }

// square: a square wave (a harsher tone than a sine).
func square(phase float64) float64 {
	if phase-math.Floor(phase) < 0.5 {
		return 1
	}
	return -1
}

// beeps: a tone of hz for on seconds, every period seconds.
func beeps(secs, hz, on, period float64, shape func(float64) float64) []float32 {
	x := make([]float32, int(secs*rate))
	for i := range x {
		t := float64(i) / rate
		if math.Mod(t, period) < on {
			x[i] = float32(shape(hz * t))
		}
	}
	return x
}

// note adds a note of hz from t0 for dur seconds with the given harmonic
// amplitudes and an envelope (attack, then decay per second).
func note(x []float32, t0, dur, hz float64, harm []float64, decay float64) {
	i0, n := int(t0*rate), int(dur*rate)
	for i := 0; i < n && i0+i < len(x); i++ {
		t := float64(i) / rate
		env := min(1, t/0.01) * math.Exp(-decay*t) * min(1, (dur-t)/0.02)
		var v float64
		for k, a := range harm {
			v += a * math.Sin(2*math.Pi*hz*float64(k+1)*t)
		}
		x[i0+i] += float32(env * v)
	}
}

func hz(midi int) float64 { return 440 * math.Pow(2, float64(midi-69)/12) }

// pianoBed: C–Am–F–G chords of 1.5 s with a melody of quarter notes at
// 100 bpm, struck and decaying like a piano; no drums.
func pianoBed(secs float64, seed uint64) []float32 {
	x := make([]float32, int(secs*rate))
	piano := []float64{1, 0.5, 0.3, 0.15, 0.08}
	chords := [][]int{{48, 52, 55}, {45, 48, 52}, {41, 45, 48}, {43, 47, 50}}
	for c := 0; float64(c)*1.5 < secs; c++ {
		for _, m := range chords[c%4] {
			note(x, float64(c)*1.5, 1.5, hz(m), piano, 1.2)
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	scale := []int{72, 74, 76, 77, 79, 81, 83, 84}
	for t := 0.0; t < secs; t += 0.6 {
		note(x, t, 0.6, hz(scale[rng.IntN(len(scale))]), piano, 2.5)
	}
	return normalise(x)
}

// organBedWithBeat: D-major organ chords (sustained, odd harmonics strong),
// a bass line, eighth-note melody and a drum beat at 120 bpm (kick on 1 and
// 3, noise snare on 2 and 4, hi-hat eighths).
func organBedWithBeat(secs float64, seed uint64) []float32 {
	x := make([]float32, int(secs*rate))
	organ := []float64{1, 0.2, 0.6, 0.1, 0.4, 0.05, 0.2}
	chords := [][]int{{50, 54, 57}, {47, 50, 54}, {55, 59, 62}, {57, 61, 64}}
	for c := 0; float64(c)*2 < secs; c++ {
		for _, m := range chords[c%4] {
			note(x, float64(c)*2, 2, hz(m), organ, 0.1)
		}
		note(x, float64(c)*2, 1, hz(chords[c%4][0]-12), []float64{1.2, 0.3}, 0.5)
		note(x, float64(c)*2+1, 1, hz(chords[c%4][0]-12+7), []float64{1.2, 0.3}, 0.5)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	scale := []int{74, 76, 78, 79, 81, 83, 85, 86}
	for t := 0.0; t < secs; t += 0.25 {
		note(x, t, 0.25, hz(scale[rng.IntN(len(scale))]), []float64{0.6, 0.1, 0.3}, 3)
	}
	const beat = 0.5 // 120 bpm
	for b := 0; float64(b)*beat < secs; b++ {
		t := float64(b) * beat
		if b%2 == 0 {
			kick(x, t)
		} else {
			noiseHit(x, t, 0.15, 0.8, 25, rng)
		}
		noiseHit(x, t+beat/2, 0.05, 0.3, 80, rng)
	}
	return normalise(x)
}

// kick: a sine falling from 120 to 50 Hz, decaying in about 0.2 s.
func kick(x []float32, t0 float64) {
	i0 := int(t0 * rate)
	var phase float64
	for i := 0; i < rate/4 && i0+i < len(x); i++ {
		t := float64(i) / rate
		f := 50 + 70*math.Exp(-t*30)
		phase += f / rate
		x[i0+i] += float32(2 * math.Exp(-t*15) * math.Sin(2*math.Pi*phase))
	}
}

// noiseHit: a burst of high-passed noise (snare, hi-hat).
func noiseHit(x []float32, t0, dur, amp, decay float64, rng *rand.Rand) {
	i0 := int(t0 * rate)
	var prev float64
	for i := 0; i < int(dur*rate) && i0+i < len(x); i++ {
		t := float64(i) / rate
		w := rng.NormFloat64()
		x[i0+i] += float32(amp * math.Exp(-t*decay) * (w - prev))
		prev = w
	}
}

type colour int

const (
	brown colour = iota
	pink
)

// fan: coloured noise, a slow swell of the airflow, mains hum at humHz and
// its harmonics, and a blade-pass tone.
func fan(secs float64, seed uint64, c colour, humHz float64) []float32 {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	x := make([]float32, int(secs*rate))
	var b float64
	var p [3]float64
	for i := range x {
		t := float64(i) / rate
		w := rng.NormFloat64()
		var n float64
		switch c {
		case brown:
			b = 0.995*b + 0.1*w
			n = b
		case pink: // three one-pole stages approximate 1/f over the band
			p[0] = 0.997*p[0] + 0.029591*w
			p[1] = 0.985*p[1] + 0.032534*w
			p[2] = 0.950*p[2] + 0.048056*w
			n = 4 * (p[0] + p[1] + p[2] + 0.05*w)
		}
		swell := 1 + 0.15*math.Sin(2*math.Pi*0.3*t)
		hum := 0.2*math.Sin(2*math.Pi*humHz*t) + 0.1*math.Sin(2*math.Pi*2*humHz*t) + 0.06*math.Sin(2*math.Pi*3*humHz*t)
		blade := 0.05 * math.Sin(2*math.Pi*137*t)
		x[i] = float32(swell*n + hum + blade)
	}
	return fade(normalise(x))
}

// fade ramps the first and last 10 ms so a clip does not start with a click.
func fade(x []float32) []float32 {
	n := min(len(x)/2, rate/100)
	for i := range n {
		g := float32(i) / float32(n)
		x[i] *= g
		x[len(x)-1-i] *= g
	}
	return x
}

func normalise(x []float32) []float32 {
	r := math.Pow(10, rmsDB(x)/20)
	for i := range x {
		x[i] /= float32(r)
	}
	return x
}

// gain scales x (RMS 0 dBFS after normalise; a full-scale sine is -3) by db.
func gain(x []float32, db float64) []float32 {
	g := float32(math.Pow(10, db/20))
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = v * g
	}
	return y
}

// mix adds bed under speech, over the speech's length.
func mix(speech, bed []float32) []float32 {
	y := make([]float32, len(speech))
	for i := range y {
		y[i] = speech[i] + bed[i%len(bed)]
	}
	return y
}

func rmsDB(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return 10 * math.Log10(s/float64(len(x))+1e-20)
}

// wav encodes 8 kHz mono PCM16, clipping at full scale.
func wav(x []float32) []byte {
	b := make([]byte, 44+2*len(x))
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*len(x)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], 2*rate)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*len(x)))
	for i, v := range x {
		s := math.Round(float64(v) * 32768)
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(int16(max(-32768, min(32767, s)))))
	}
	return b
}
