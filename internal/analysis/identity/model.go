// Package identity tells whether two faces are the same person: a face is
// aligned from its five landmarks (YuNet's) to a 112x112 crop, a face
// embedding model run by ONNX Runtime turns the crop into a vector, and
// the cosine similarity of two vectors is compared with a threshold.
//
// The model is a file an operator chooses (VIGIL_FACE_EMBEDDING_MODEL);
// the set-up step fetches a stand-in, Faceplugin's fr_feature.onnx (MIT as
// published, provenance weak: docs/IDENTITY.md). onnxrt.Init must be called
// once before NewModel or NewPool.
package identity

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"

	ort "github.com/yalue/onnxruntime_go"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
)

// EnvModel names the environment variable that overrides the model path.
const EnvModel = "VIGIL_FACE_EMBEDDING_MODEL"

// RelModelPath is where scripts/setup-face-embedding puts the stand-in
// model, relative to the repository root.
const RelModelPath = "third_party/faceplugin/fr_feature.onnx"

// DefaultModelPath returns where the model most likely is: the path in
// $VIGIL_FACE_EMBEDDING_MODEL, else RelModelPath under the working
// directory, the module root or beside the executable (onnxrt.FindFile).
func DefaultModelPath() string { return onnxrt.FindFile(EnvModel, RelModelPath) }

// Input is how a model wants the aligned crop's R, G, B bytes.
type Input string

// Input conventions.
const (
	// InputCentered is (x − 127) / 128: the stand-in fr_feature model and
	// most ArcFace-family exports.
	InputCentered Input = "centered"
	// InputRaw is the bytes as they are, 0–255: OpenCV's SFace.
	InputRaw Input = "raw"
)

// Valid reports whether in is a known convention.
func (in Input) Valid() bool { return in == InputCentered || in == InputRaw }

func (in Input) scaleOffset() (scale, offset float32) {
	if in == InputRaw {
		return 1, 0
	}
	return 1.0 / 128, -127.0 / 128
}

// Options configure a Model.
type Options struct {
	// Path is the ONNX file: one float input [1,3,112,112] (RGB) and one
	// float output [1,D], the embedding.
	Path string
	// Input is how the model wants its pixels; "" is InputCentered.
	Input Input
	// KeepSubnormals loads the weights exactly as the file has them.
	// By default subnormal weights are set to zero first, which changes
	// no score measurably and makes the stand-in model three times faster
	// (docs/IDENTITY.md); benchmarks set it to measure the difference.
	KeepSubnormals bool
}

// File is the face-embedding model, fetched by scripts/setup-face-embedding.
var File = onnxrt.Fetched{What: "face embedding model", Env: EnvModel,
	Fetch: "`scripts/setup-face-embedding` (or `make setup`; it fetches faceplugin-face-recognition-js@0.0.1 from npm)"}

// Check looks at the model file without loading it.
func Check(path string) error { return File.Check(path) }

// Model embeds one face at a time. It owns an ONNX Runtime session and
// preallocated tensors, so it is NOT safe for concurrent use; a Pool
// serves several goroutines.
type Model struct {
	session       *ort.AdvancedSession
	input, output *ort.Tensor[float32]
	scale, offset float32
	align         aligner
	// Zeroed is how many subnormal weights were set to zero at load.
	Zeroed int
}

// NewModel loads the model at o.Path into a new session.
func NewModel(o Options) (*Model, error) {
	if o.Input == "" {
		o.Input = InputCentered
	}
	if !o.Input.Valid() {
		return nil, fmt.Errorf("identity: input convention %q: want %q or %q", o.Input, InputCentered, InputRaw)
	}
	if err := Check(o.Path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(o.Path)
	if err != nil {
		return nil, fmt.Errorf("identity: read model: %w", err)
	}
	m := &Model{}
	m.scale, m.offset = o.Input.scaleOffset()
	if !o.KeepSubnormals {
		if m.Zeroed, err = zeroSubnormals(data); err != nil {
			return nil, fmt.Errorf("identity: %s: %w", o.Path, err)
		}
	}
	if err := m.open(o.Path, data); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (m *Model) open(path string, data []byte) error {
	in, out, err := ort.GetInputOutputInfoWithONNXData(data)
	if err != nil {
		return fmt.Errorf("identity: read model %s (did you call onnxrt.Init?): %w", path, err)
	}
	dim, err := checkShapes(in, out)
	if err != nil {
		return fmt.Errorf("identity: %s: %w", filepath.Base(path), err)
	}
	if m.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, Side, Side)); err != nil {
		return fmt.Errorf("identity: input tensor: %w", err)
	}
	if m.output, err = ort.NewEmptyTensor[float32](ort.NewShape(1, dim)); err != nil {
		return fmt.Errorf("identity: output tensor: %w", err)
	}
	so, err := onnxrt.NewSessionOptions()
	if err != nil {
		return err
	}
	defer so.Destroy()
	m.session, err = ort.NewAdvancedSessionWithONNXData(data, []string{in[0].Name}, []string{out[0].Name},
		[]ort.Value{m.input}, []ort.Value{m.output}, so)
	if err != nil {
		return fmt.Errorf("identity: create session for %s: %w", path, err)
	}
	return nil
}

// checkShapes accepts one float input of [1 or any, 3, 112, 112] and one
// float output of [1 or any, D], and returns D.
func checkShapes(in, out []ort.InputOutputInfo) (int64, error) {
	if len(in) != 1 || len(out) != 1 {
		return 0, fmt.Errorf("want one input and one output, got %d and %d", len(in), len(out))
	}
	is, od := in[0].Dimensions, out[0].Dimensions
	batch := func(d int64) bool { return d == 1 || d < 0 }
	if in[0].DataType != ort.TensorElementDataTypeFloat || len(is) != 4 || !batch(is[0]) || is[1] != 3 || is[2] != Side || is[3] != Side {
		return 0, fmt.Errorf("input %s is %v %v, want float [1,3,%d,%d]", in[0].Name, in[0].DataType, is, Side, Side)
	}
	if out[0].DataType != ort.TensorElementDataTypeFloat || len(od) != 2 || !batch(od[0]) || od[1] < 32 || od[1] > 4096 {
		return 0, fmt.Errorf("output %s is %v %v, want float [1,D] with D of 32 to 4096", out[0].Name, out[0].DataType, od)
	}
	return od[1], nil
}

// ErrNoLandmarks is returned for a face without landmarks to align it by.
var ErrNoLandmarks = errors.New("identity: the face has no landmarks")

// Embed aligns the face with landmarks lm (in img's coordinates) and
// returns its embedding, of unit length. The slice is the caller's.
func (m *Model) Embed(img image.Image, lm [5]face.Point) ([]float32, error) {
	if m.session == nil {
		return nil, errors.New("identity: model is closed")
	}
	if !m.align.align(img, lm, m.input.GetData(), m.scale, m.offset) {
		return nil, ErrNoLandmarks
	}
	if err := m.session.Run(); err != nil {
		return nil, fmt.Errorf("identity: run the embedding model: %w", err)
	}
	return normalised(m.output.GetData()), nil
}

// normalised returns a copy of v scaled to unit length.
func normalised(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if sum == 0 {
		return out
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// Similarity is the cosine similarity of two unit-length embeddings, −1
// to 1 (1: the same picture). Embeddings of different lengths (from
// different models) are 0: unrelated.
func Similarity(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	return dot
}

// Close releases the session and tensors. It is safe to call twice.
func (m *Model) Close() error {
	if m.session != nil {
		m.session.Destroy()
		m.session = nil
	}
	if m.input != nil {
		m.input.Destroy()
		m.input = nil
	}
	if m.output != nil {
		m.output.Destroy()
		m.output = nil
	}
	return nil
}
