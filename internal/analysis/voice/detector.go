package voice

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	ort "github.com/yalue/onnxruntime_go"

	"vigil/internal/onnxrt"
)

// Model geometry of Silero VAD v5 in 8 kHz mode. The model takes the
// previous frame's last contextLen samples followed by frameLen new ones
// (the upstream OnnxWrapper does the same), a recurrent state [2,1,128]
// and the sample rate, and returns the speech probability of the frame
// and the next state.
const (
	// Rate is the sample rate the detector works at. Clients send 8 kHz
	// (G.711) anyway; other rates are resampled to it.
	Rate       = 8000
	frameLen   = 256 // 32 ms
	contextLen = 32
	stateLen   = 2 * 1 * 128

	// FrameMS is the duration of one model frame.
	FrameMS = frameLen * 1000 / Rate
)

// Analysis limits.
const (
	// WindowMS is the analysis window. Half a second is short enough that
	// a spoken word or two fills most of a window and that rules can place
	// a violation's start and end within a second, and long enough to hold
	// 15 model frames and several key presses for the level features.
	WindowMS = 500
	// MaxSeconds bounds one Analyze call. Clients send chunks of a few
	// seconds; 4 hours is a whole exam at once and the most we accept
	// (at 8 kHz that is 115 M samples, 460 MB of float32).
	MaxSeconds = 4 * 3600

	windowLen = Rate * WindowMS / 1000
	// silentPeak: a frame whose every sample is within ±8/32768
	// (-72 dBFS, one step of μ-law around zero) is digital silence; the
	// model is not run on it (see frameProbs).
	silentPeak = 8.0 / 32768
)

// Input/output names and shapes, checked against the model file when a
// Detector is created.
var (
	inputNames  = []string{"input", "state", "sr"}
	outputNames = []string{"output", "stateN"}
)

// EnvModel names the environment variable that overrides the model path.
const EnvModel = "VIGIL_VAD_MODEL"

// RelModelPath is where scripts/setup-vad puts the model, relative to the
// repository root.
const RelModelPath = "third_party/silero/silero_vad_v5.onnx"

// File is the Silero VAD v5 model, fetched by scripts/setup-vad.
var File = onnxrt.Fetched{What: "Silero VAD model", Env: EnvModel,
	Fetch: "`scripts/setup-vad` (or `make setup`; it fetches @ricky0123/vad-web@0.0.31 from npm)"}

// DefaultModelPath returns where the model most likely is, trying in
// order: $VIGIL_VAD_MODEL; RelModelPath under the working directory; under
// the nearest enclosing Go module root; beside the running executable and
// in its parent directory. It returns the first that exists, or else the
// path asked for in $VIGIL_VAD_MODEL, or else the working-directory one, so
// that NewDetector's error names a useful path.
func DefaultModelPath() string {
	var cands []string
	env := os.Getenv(EnvModel)
	if env != "" {
		cands = append(cands, env)
	}
	wd, wdErr := os.Getwd()
	if wdErr == nil {
		cands = append(cands, filepath.Join(wd, RelModelPath))
		if root := moduleRoot(wd); root != "" && root != wd {
			cands = append(cands, filepath.Join(root, RelModelPath))
		}
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		cands = append(cands, filepath.Join(dir, RelModelPath), filepath.Join(filepath.Dir(dir), RelModelPath))
	}
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	if env != "" {
		return env
	}
	if wdErr == nil {
		return filepath.Join(wd, RelModelPath)
	}
	return RelModelPath
}

// moduleRoot returns the nearest directory at or above dir holding a
// go.mod, or "".
func moduleRoot(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Detector runs Silero VAD over audio chunks. It owns one ONNX Runtime
// session and preallocated tensors, so it is NOT safe for concurrent use;
// use a Pool to serve several goroutines. onnxrt.Init must have been
// called before NewDetector.
type Detector struct {
	session *ort.AdvancedSession
	input   *ort.Tensor[float32] // [1, contextLen+frameLen]
	state   *ort.Tensor[float32] // [2, 1, 128]
	sr      *ort.Scalar[int64]
	prob    *ort.Tensor[float32] // [1, 1]
	stateN  *ort.Tensor[float32] // [2, 1, 128]

	// The state the model settles in after a stretch of digital silence,
	// and its output there: restored instead of running the model on
	// silent frames.
	silenceState [stateLen]float32
	silenceProb  float32

	spec   *spectrum
	probs  []float32 // per-frame probabilities, reused between calls
	steady []bool    // per frame: a tone or a repeat (spectrum.go), reused
	runs   int64     // frames the model actually ran on (tests check the silence fast path)
}

// NewDetector loads the Silero VAD v5 model at modelPath (see
// DefaultModelPath) into a new session.
func NewDetector(modelPath string) (*Detector, error) {
	if err := checkModel(modelPath); err != nil {
		return nil, err
	}
	d := &Detector{spec: newSpectrum()}
	if err := d.open(modelPath); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.learnSilence(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// checkModel turns a missing file or a different model (legacy Silero v4
// has h/c inputs) into a clear error before a session is built.
func checkModel(path string) error {
	if err := File.Check(path); err != nil {
		return err
	}
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return fmt.Errorf("voice: read model %s (did you call onnxrt.Init?): %w", path, err)
	}
	if !hasNames(ins, inputNames) || !hasNames(outs, outputNames) {
		return fmt.Errorf("voice: %s is not a Silero VAD v5 model: want inputs %v and outputs %v, got %v -> %v",
			path, inputNames, outputNames, ins, outs)
	}
	return nil
}

func hasNames(info []ort.InputOutputInfo, names []string) bool {
	if len(info) != len(names) {
		return false
	}
	have := map[string]bool{}
	for _, i := range info {
		have[i.Name] = true
	}
	for _, n := range names {
		if !have[n] {
			return false
		}
	}
	return true
}

func (d *Detector) open(path string) error {
	var err error
	if d.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, contextLen+frameLen)); err != nil {
		return fmt.Errorf("voice: input tensor: %w", err)
	}
	if d.state, err = ort.NewEmptyTensor[float32](ort.NewShape(2, 1, 128)); err != nil {
		return fmt.Errorf("voice: state tensor: %w", err)
	}
	if d.sr, err = ort.NewScalar[int64](Rate); err != nil {
		return fmt.Errorf("voice: sr scalar: %w", err)
	}
	if d.prob, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 1)); err != nil {
		return fmt.Errorf("voice: output tensor: %w", err)
	}
	if d.stateN, err = ort.NewEmptyTensor[float32](ort.NewShape(2, 1, 128)); err != nil {
		return fmt.Errorf("voice: stateN tensor: %w", err)
	}
	so, err := onnxrt.NewSessionOptions()
	if err != nil {
		return err
	}
	defer so.Destroy()
	d.session, err = ort.NewAdvancedSession(path, inputNames, outputNames,
		[]ort.Value{d.input, d.state, d.sr}, []ort.Value{d.prob, d.stateN}, so)
	if err != nil {
		return fmt.Errorf("voice: create Silero VAD session from %s (did you call onnxrt.Init?): %w", path, err)
	}
	return nil
}

// learnSilence runs the model on zeros from a fresh state until the state
// stops changing, and keeps that state and output.
func (d *Detector) learnSilence() error {
	d.reset()
	clear(d.input.GetData())
	state, next := d.state.GetData(), d.stateN.GetData()
	for range 200 {
		if err := d.session.Run(); err != nil {
			return fmt.Errorf("voice: run Silero VAD: %w", err)
		}
		var diff float32
		for i, v := range next {
			diff = max(diff, abs32(v-state[i]))
		}
		copy(state, next)
		if diff < 1e-6 {
			break
		}
	}
	copy(d.silenceState[:], state)
	d.silenceProb = d.prob.GetData()[0]
	return nil
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// reset starts a new stream: zero state and zero context.
func (d *Detector) reset() {
	clear(d.state.GetData())
	clear(d.input.GetData()[:contextLen])
}

// Close releases the session and tensors. It is safe to call twice.
func (d *Detector) Close() error {
	if d.session != nil {
		d.session.Destroy()
		d.session = nil
	}
	if d.input != nil {
		d.input.Destroy()
		d.input = nil
	}
	if d.state != nil {
		d.state.Destroy()
		d.state = nil
	}
	if d.sr != nil {
		d.sr.Destroy()
		d.sr = nil
	}
	if d.prob != nil {
		d.prob.Destroy()
		d.prob = nil
	}
	if d.stateN != nil {
		d.stateN.Destroy()
		d.stateN = nil
	}
	return nil
}

// checkSamples rejects input Analyze cannot give a meaningful answer for.
func checkSamples(samples []float32, rate int) error {
	if rate < MinRate || rate > MaxRate {
		return fmt.Errorf("%w: sample rate %d outside %d..%d", ErrBadAudio, rate, MinRate, MaxRate)
	}
	if len(samples) == 0 {
		return fmt.Errorf("%w: no samples", ErrBadAudio)
	}
	if int64(len(samples)) > int64(MaxSeconds)*int64(rate) {
		return fmt.Errorf("%w: %.1f hours of audio in one call, at most %d s",
			ErrBadAudio, float64(len(samples))/float64(rate)/3600, MaxSeconds)
	}
	for i, s := range samples {
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("%w: sample %d is %v", ErrBadAudio, i, s)
		}
	}
	return nil
}

// frameProbs runs the model over x (8 kHz) from a fresh state and returns
// one speech probability per frame (the last frame zero-padded), and
// whether each frame is steady (a tone or a repeat, spectrum.go). The
// slices are reused by the next call.
func (d *Detector) frameProbs(x []float32) ([]float32, []bool, error) {
	if d.session == nil {
		return nil, nil, errors.New("voice: detector is closed")
	}
	nf := (len(x) + frameLen - 1) / frameLen
	d.probs, d.steady = d.probs[:0], d.steady[:0]
	d.reset()
	d.spec.reset()
	in := d.input.GetData()
	state, next := d.state.GetData(), d.stateN.GetData()
	out := d.prob.GetData()
	for f := range nf {
		frame := in[contextLen:]
		n := copy(frame, x[f*frameLen:min((f+1)*frameLen, len(x))])
		clear(frame[n:])
		var p float32
		steady := false
		if isSilent(frame) {
			// Digital silence carries no voice; skip the model and put it
			// in the state it would reach after silence. This makes silent
			// stretches (muted microphones, padding) nearly free.
			copy(state, d.silenceState[:])
			p = d.silenceProb
			d.spec.silent()
		} else {
			if err := d.session.Run(); err != nil {
				return nil, nil, fmt.Errorf("voice: run Silero VAD: %w", err)
			}
			d.runs++
			copy(state, next)
			p = out[0]
			steady = d.spec.analyse(frame).steady()
		}
		d.probs = append(d.probs, p)
		d.steady = append(d.steady, steady)
		copy(in[:contextLen], in[frameLen:]) // context for the next frame
	}
	return d.probs, d.steady, nil
}

func isSilent(frame []float32) bool {
	for _, s := range frame {
		if s > silentPeak || s < -silentPeak {
			return false
		}
	}
	return true
}
