package analysis

import (
	"context"
	"errors"
	"image"

	"vigil/internal/analysis/face"
	"vigil/internal/analysis/headpose"
	"vigil/internal/analysis/identity"
	"vigil/internal/analysis/voice"
	"vigil/internal/onnxrt"
)

// Models are the detectors a server runs, each a pool of one per worker
// created on first use (an idle server does not hold ONNX Runtime): the
// face detector on whole frames and photos, the same network on face crops
// for precise landmarks, UltraFace as a second opinion where nobody was
// found, the head-pose model, the voice detector, and the face-embedding
// model of the identity checks.
type Models struct {
	files                   ModelFiles
	faces, landmarks, ultra *onnxrt.Lazy[*face.Pool]
	heads                   *onnxrt.Lazy[*headpose.Pool]
	voices                  *onnxrt.Lazy[*voice.Pool]
	embedder                *onnxrt.Lazy[*identity.Pool]
}

// ModelFiles are where the runtime and the models that are not embedded
// in the binary are (the set-up step fetches them), and how the identity
// checks use theirs.
type ModelFiles struct {
	RuntimeLib string
	Voice      string
	// Embedding is the face-embedding model; an empty Path switches the
	// identity checks off (tools that measure detection alone).
	Embedding identity.Options
	// MatchThreshold is the similarity from which two faces are the same
	// person (0: DefaultMatchThreshold, the stand-in model's).
	MatchThreshold float64
}

// NewModels prepares the detectors; nothing is loaded yet.
func NewModels(workers int, files ModelFiles) *Models {
	runtimeLib, voiceModel := files.RuntimeLib, files.Voice
	m := &Models{files: files}
	m.faces = onnxrt.NewLazy(func() (*face.Pool, error) {
		if err := onnxrt.Init(runtimeLib); err != nil {
			return nil, err
		}
		return face.NewPool(workers, face.Options{})
	})
	m.landmarks = onnxrt.NewLazy(func() (*face.Pool, error) {
		if err := onnxrt.Init(runtimeLib); err != nil {
			return nil, err
		}
		return face.NewPool(workers, face.Options{InputWidth: RefineInput, InputHeight: RefineInput})
	})
	m.ultra = onnxrt.NewLazy(func() (*face.Pool, error) {
		if err := onnxrt.Init(runtimeLib); err != nil {
			return nil, err
		}
		return face.NewUltraFacePool(workers, 0)
	})
	m.heads = onnxrt.NewLazy(func() (*headpose.Pool, error) {
		if err := onnxrt.Init(runtimeLib); err != nil {
			return nil, err
		}
		return headpose.NewPool(workers)
	})
	m.voices = onnxrt.NewLazy(func() (*voice.Pool, error) {
		if err := onnxrt.Init(runtimeLib); err != nil {
			return nil, err
		}
		return voice.NewPool(workers, voiceModel)
	})
	m.embedder = onnxrt.NewLazy(func() (*identity.Pool, error) {
		if err := onnxrt.Init(runtimeLib); err != nil {
			return nil, err
		}
		return identity.NewPool(workers, files.Embedding)
	})
	return m
}

// Check looks at the runtime library and the voice model without loading
// them, so a server can refuse to start with a message that says how to
// fetch what is missing.
func (m *Models) Check() error {
	if err := onnxrt.Check(m.files.RuntimeLib); err != nil {
		return err
	}
	if err := voice.File.Check(m.files.Voice); err != nil {
		return err
	}
	if m.files.Embedding.Path != "" {
		return identity.Check(m.files.Embedding.Path)
	}
	return nil
}

// Loaded reports whether the face detector has been loaded.
func (m *Models) Loaded() bool { return m.faces.Loaded() }

// Faces is the face detector for whole frames and identity photos.
func (m *Models) Faces() Detector { return lazyDetector{m.faces} }

// Frames is the frame analysis, with the identity checks when there is an
// embedding model.
func (m *Models) Frames() *Frames {
	return &Frames{Faces: lazyDetector{m.faces}, Landmarks: lazyDetector{m.landmarks}, SecondOpinion: lazyDetector{m.ultra},
		Head: lazyPose{m.heads}, Identity: m.Identity()}
}

// Identity compares faces with the onboarding photo; nil when there is no
// embedding model.
func (m *Models) Identity() *Identity {
	if m.files.Embedding.Path == "" {
		return nil
	}
	return &Identity{Faces: lazyDetector{m.faces}, Landmarks: lazyDetector{m.landmarks}, Embedder: lazyEmbedder{m.embedder},
		Threshold: m.files.MatchThreshold}
}

// Audio is the audio analysis.
func (m *Models) Audio() *Audio { return &Audio{Voice: lazyVoice{m.voices}} }

// Close releases whatever was loaded.
func (m *Models) Close() error {
	return errors.Join(m.faces.Close(), m.landmarks.Close(), m.ultra.Close(), m.heads.Close(), m.voices.Close(), m.embedder.Close())
}

type lazyEmbedder struct{ pool *onnxrt.Lazy[*identity.Pool] }

func (l lazyEmbedder) Embed(ctx context.Context, img image.Image, lm [5]face.Point) ([]float32, error) {
	p, err := l.pool.Get()
	if err != nil {
		return nil, err
	}
	return p.Embed(ctx, img, lm)
}

type lazyDetector struct{ pool *onnxrt.Lazy[*face.Pool] }

func (l lazyDetector) Detect(ctx context.Context, img image.Image) ([]face.Face, error) {
	p, err := l.pool.Get()
	if err != nil {
		return nil, err
	}
	return p.Detect(ctx, img)
}

type lazyPose struct{ pool *onnxrt.Lazy[*headpose.Pool] }

func (l lazyPose) Estimate(ctx context.Context, img image.Image, f face.Face) (headpose.Angles, error) {
	p, err := l.pool.Get()
	if err != nil {
		return headpose.Angles{}, err
	}
	return p.Estimate(ctx, img, f)
}

type lazyVoice struct{ pool *onnxrt.Lazy[*voice.Pool] }

func (l lazyVoice) Analyze(ctx context.Context, samples []float32, rate int) ([]voice.Window, error) {
	p, err := l.pool.Get()
	if err != nil {
		return nil, err
	}
	return p.Analyze(ctx, samples, rate)
}

var _ AudioAnalyzer = (*Audio)(nil)
