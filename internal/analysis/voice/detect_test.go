package voice

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"vigil/internal/onnxrt"
)

func TestModelIO(t *testing.T) {
	// The names and shapes NewDetector relies on, read from the file.
	if err := checkModel(DefaultModelPath()); err != nil {
		t.Fatal(err)
	}
	if FrameMS != 32 || windowLen != 4000 {
		t.Fatalf("geometry changed: frame %d ms, window %d samples", FrameMS, windowLen)
	}
}

func TestAnalyzeRejectsBadInput(t *testing.T) {
	d := newTestDetector(t)
	ok := make([]float32, 8000)
	nan := slices.Clone(ok)
	nan[4321] = float32(math.NaN())
	inf := slices.Clone(ok)
	inf[7] = float32(math.Inf(-1))
	for _, c := range []struct {
		name    string
		samples []float32
		rate    int
	}{
		{"empty", nil, 8000},
		{"empty slice", []float32{}, 16000},
		{"NaN", nan, 8000},
		{"-Inf", inf, 8000},
		{"rate 0", ok, 0},
		{"rate 7999", ok, 7999},
		{"rate 1 MHz", ok, 1_000_000},
		// 10 hours at 8 kHz: refused before anything reads it (the zeroed
		// allocation is never touched, so it costs no real memory).
		{"10 hours", make([]float32, 10*3600*8000), 8000},
	} {
		ws, err := d.Analyze(c.samples, c.rate)
		if !errors.Is(err, ErrBadAudio) {
			t.Errorf("%s: got %d windows, %v; want ErrBadAudio", c.name, len(ws), err)
		}
	}
	// The detector still works afterwards.
	if _, err := d.Analyze(ok, 8000); err != nil {
		t.Fatal(err)
	}
}

// Three hours of digital silence at 8 kHz are accepted, give 21600 None
// windows, and never reach the model: that, not a clock, is what keeps
// silence cheap (BenchmarkAnalyze10sSilence against BenchmarkAnalyze10s
// measures what it saves).
func TestLongSilenceIsCheap(t *testing.T) {
	d := newTestDetector(t)
	x := make([]float32, 3*3600*Rate)
	runs := d.runs
	ws, err := d.Analyze(x, Rate)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3*3600*2 {
		t.Fatalf("%d windows, want %d", len(ws), 3*3600*2)
	}
	for i, w := range ws {
		if classify(w) != None || w.RMSdB != MinDB || w.MaxdB != MinDB || w.Speech > 0.01 {
			t.Fatalf("window %d of silence: %+v (%v)", i, w, classify(w))
		}
	}
	if n := d.runs - runs; n != 0 {
		t.Errorf("the model ran on %d frames of digital silence, want 0", n)
	}
	last := ws[len(ws)-1]
	if last.StartMS+last.DurMS != 3*3600*1000 {
		t.Errorf("last window ends at %d ms", last.StartMS+last.DurMS)
	}
	// μ-law's idle pattern (codes 0xff/0x7f/0xfe: 0 and ±8/32768) is
	// silence too.
	idle := DecodeMuLaw(slices.Repeat([]byte{0xff, 0x7f, 0xfe, 0x7e}, 2*Rate))
	runs = d.runs
	if _, err := d.Analyze(idle, Rate); err != nil {
		t.Fatal(err)
	}
	if n := d.runs - runs; n != 0 {
		t.Errorf("the model ran on %d frames of μ-law idle code", n)
	}
}

// Speech after silence is found as well as without the silence: the
// fast path leaves the model in the state real silence would.
func TestSpeechAfterSilence(t *testing.T) {
	d := newTestDetector(t)
	x, rate := loadWAV(t, "speech_espeak_16k.wav")
	x8 := Resample(x, rate, Rate)
	plain := analyze(t, d, x8, Rate)
	padded := append(make([]float32, 5*Rate), x8...)
	after := analyze(t, d, padded, Rate)[10:]
	if len(after) != len(plain) {
		t.Fatalf("%d windows after the silence, %d without", len(after), len(plain))
	}
	for i := range plain {
		if classify(plain[i]) != classify(after[i]) || math.Abs(float64(plain[i].Speech-after[i].Speech)) > 0.05 {
			t.Errorf("window %d: %+v alone, %+v after silence", i, plain[i], after[i])
		}
	}
}

// Each call starts from a fresh state: the same chunk gives the same
// windows whatever came before.
func TestAnalyzeIsPerChunk(t *testing.T) {
	d := newTestDetector(t)
	x, rate := loadWAV(t, "speech_jfk_16k.wav")
	first := analyze(t, d, x, rate)
	noise, nrate := loadWAV(t, "noise_alsa_48k.wav")
	analyze(t, d, noise, nrate)
	again := analyze(t, d, x, rate)
	if !slices.Equal(first, again) {
		t.Error("the same chunk gave different windows after another chunk")
	}
}

func TestWindowTiming(t *testing.T) {
	d := newTestDetector(t)
	for _, c := range []struct {
		samples int
		want    []int64 // window durations
	}{
		{1, []int64{0}},                 // one sample: one window
		{300, []int64{37}},              // shorter than a window
		{4000, []int64{500}},            // exactly one window
		{4100, []int64{512}},            // remainder < one frame joins
		{4256, []int64{500, 32}},        // remainder of one frame is its own
		{11200, []int64{500, 500, 400}}, // 1.4 s
	} {
		x := make([]float32, c.samples)
		for i := range x {
			x[i] = 0.01 * float32(math.Sin(float64(i)))
		}
		ws := analyze(t, d, x, Rate)
		var got []int64
		var next int64
		for _, w := range ws {
			got = append(got, w.DurMS)
			if w.StartMS != next {
				t.Errorf("%d samples: window at %d ms, want %d", c.samples, w.StartMS, next)
			}
			next = w.StartMS + w.DurMS
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%d samples: durations %v, want %v", c.samples, got, c.want)
		}
	}
}

// Synthetic sounds with a known answer, through the client's path.
func TestSyntheticSounds(t *testing.T) {
	d := newTestDetector(t)
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(f func(i int) float64) []float32 {
		x := make([]float32, 5*16000)
		for i := range x {
			x[i] = float32(f(i))
		}
		return ulawPath(x, 16000)
	}
	for _, c := range []struct {
		name string
		x    []float32
		want Kind
	}{
		{"white noise -30 dBFS", gen(func(int) float64 { return 0.0316 * rng.NormFloat64() }), LoudNoise},
		{"white noise -50 dBFS", gen(func(int) float64 { return 0.00316 * rng.NormFloat64() }), None},
		{"1 kHz tone -20 dBFS", gen(func(i int) float64 { return 0.14 * math.Sin(2*math.Pi*1000*float64(i)/16000) }), LoudNoise},
		// A microphone's DC offset is not sound (the level path high-passes).
		{"DC offset 0.05 over quiet hiss", gen(func(int) float64 { return 0.05 + 0.001*rng.NormFloat64() }), None},
		// Clicks twice a second: loud but impulsive.
		{"clicks", gen(func(i int) float64 {
			if i%8000 < 40 {
				return 0.5 * rng.NormFloat64()
			}
			return 0.001 * rng.NormFloat64()
		}), None},
	} {
		ws := analyze(t, d, c.x, Rate)
		for i, w := range ws {
			if k := classify(w); k != c.want {
				t.Errorf("%s: window %d is %v, want %v (%+v)", c.name, i, k, c.want, w)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		w    Window
		want Kind
	}{
		{Window{Speech: 0.9, MaxdB: -10, FloordB: -50}, Voice},
		{Window{Speech: 0.9, MaxdB: -10, FloordB: -20}, Voice}, // speech over loud sound
		{Window{Speech: 0.9, MaxdB: -56, FloordB: -70}, None},  // too faint to be in the room
		{Window{Speech: 0.2, MaxdB: -28, FloordB: -33}, LoudNoise},
		{Window{Speech: 0.2, MaxdB: -5, FloordB: -50}, None}, // loud but with gaps: typing
		{Window{Speech: VoiceThreshold, MaxdB: VoiceMinDB, FloordB: MinDB}, Voice},
		{Window{MaxdB: LoudFloorDB, FloordB: LoudFloorDB}, LoudNoise},
		{Window{MaxdB: MinDB, FloordB: MinDB}, None},
	} {
		if got := classify(c.w); got != c.want {
			t.Errorf("Classify(%+v) = %v, want %v", c.w, got, c.want)
		}
	}
	if None.String() != "none" || Voice.String() != "voice" || LoudNoise.String() != "loud_noise" {
		t.Error("Kind names changed")
	}
}

func TestClosedDetector(t *testing.T) {
	d, err := NewDetector(DefaultModelPath())
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Close()
	if _, err := d.Analyze(make([]float32, 100), Rate); err == nil {
		t.Error("Analyze on a closed detector succeeded")
	}
}

func TestModelErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.onnx")
	_, err := NewDetector(missing)
	var nf *onnxrt.MissingFileError
	if !errors.As(err, &nf) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "scripts/setup-vad") {
		t.Errorf("missing model: %v; want a MissingFileError naming scripts/setup-vad", err)
	}
	// Another ONNX model is refused by name, not with a runtime error at
	// the first call. The face model lives in this repository.
	if _, err := NewDetector("../face/yunet/face_detection_yunet_2026may.onnx"); err == nil ||
		!strings.Contains(err.Error(), "not a Silero VAD v5 model") {
		t.Errorf("YuNet as the VAD model: %v", err)
	}
	if _, err := NewDetector(t.TempDir()); err == nil {
		t.Error("a directory as the model was accepted")
	}
}

func TestDefaultModelPath(t *testing.T) {
	real := DefaultModelPath()
	if _, err := os.Stat(real); err != nil {
		t.Fatalf("DefaultModelPath() = %s: %v", real, err)
	}
	t.Setenv(EnvModel, real)
	if got := DefaultModelPath(); got != real {
		t.Errorf("with %s set: %s", EnvModel, got)
	}
	// An env path that does not exist is reported only when nothing else
	// is found; here the repository's copy wins.
	t.Setenv(EnvModel, "/nonexistent/silero.onnx")
	if got := DefaultModelPath(); got == "/nonexistent/silero.onnx" {
		t.Errorf("fell back to the missing env path although %s exists", real)
	}
}

func TestPool(t *testing.T) {
	p, err := NewPool(2, DefaultModelPath())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	names := []string{"speech_jfk_16k.wav", "keyboard_typing_10s_16k.wav", "noise_alsa_48k.wav", "speech_espeak_16k.wav"}
	d := newTestDetector(t)
	want := map[string][]Window{}
	for _, n := range names {
		x, rate := loadWAV(t, n)
		want[n] = analyze(t, d, x, rate)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		n := names[i%len(names)]
		wg.Go(func() {
			x, rate := loadWAV(t, n)
			got, err := p.Analyze(context.Background(), x, rate)
			if err != nil {
				t.Error(err)
				return
			}
			if !slices.Equal(got, want[n]) {
				t.Errorf("%s through the pool differs from a lone detector", n)
			}
		})
	}
	wg.Wait()

	// Waiting for a busy pool is onnxrt.Pool's, tested there.
	p.Close()
	if _, err := p.Analyze(context.Background(), make([]float32, 10), Rate); !errors.Is(err, onnxrt.ErrPoolClosed) {
		t.Errorf("after Close: %v", err)
	}
	if _, err := NewPool(0, DefaultModelPath()); err == nil {
		t.Error("NewPool(0) succeeded")
	}
	if _, err := NewPool(1, "/nonexistent.onnx"); err == nil {
		t.Error("NewPool with a missing model succeeded")
	}
}

// classify is Classify at the default speech threshold, for one Window.
func classify(w Window) Kind {
	return Classify(float64(w.Speech), float64(w.MaxdB), float64(w.FloordB), VoiceThreshold)
}
