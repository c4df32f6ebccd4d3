package identity

import (
	"context"
	"encoding/binary"
	"errors"
	"image"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"vigil/internal/analysis/face"
	"vigil/internal/analysis/voice"
	"vigil/internal/onnxrt"
)

// TestStandInModel: the fetched model tells two photos of one man from a
// photo of another, its 8,938 subnormal weights are zeroed at load, and
// zeroing them changes no embedding.
func TestStandInModel(t *testing.T) {
	m := newTestModel(t, Options{})
	if m.Zeroed != 8938 {
		t.Errorf("%d subnormal weights zeroed, want the stand-in's 8938", m.Zeroed)
	}
	obama, portrait := embed(t, m, "stills/obama_480p.jpg"), embed(t, m, "stills/obama_portrait.jpg")
	biden := embed(t, m, "stills/biden_headshoulders.jpg")
	if len(obama) != 512 {
		t.Fatalf("embedding of %d values, want 512", len(obama))
	}
	var norm float64
	for _, v := range obama {
		norm += float64(v) * float64(v)
	}
	if math.Abs(norm-1) > 1e-4 {
		t.Errorf("embedding length² %v, want 1", norm)
	}
	if s := Similarity(obama, portrait); s < 0.8 {
		t.Errorf("two photos of one man: similarity %.3f, want ≥ 0.8", s)
	}
	if s := Similarity(obama, biden); s > 0.3 {
		t.Errorf("two men: similarity %.3f, want ≤ 0.3", s)
	}
	kept := newTestModel(t, Options{KeepSubnormals: true})
	if kept.Zeroed != 0 {
		t.Errorf("KeepSubnormals zeroed %d weights", kept.Zeroed)
	}
	if s := Similarity(obama, embed(t, kept, "stills/obama_480p.jpg")); s < 0.9999 {
		t.Errorf("with and without subnormal weights: similarity %.6f, want the same embedding", s)
	}
}

// TestRawInput: the OpenCV SFace convention feeds the bytes unscaled; on
// a model trained otherwise that changes the embedding, which shows the
// option reaches the tensor.
func TestRawInput(t *testing.T) {
	centered, raw := newTestModel(t, Options{}), newTestModel(t, Options{Input: InputRaw})
	if s := Similarity(embed(t, centered, "stills/obama_480p.jpg"), embed(t, raw, "stills/obama_480p.jpg")); s > 0.99 {
		t.Errorf("raw and centered input give the same embedding (similarity %.4f)", s)
	}
	if _, err := NewModel(Options{Path: DefaultModelPath(), Input: "bgr"}); err == nil {
		t.Error("an unknown input convention was accepted")
	}
}

func TestModelErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.onnx")
	_, err := NewModel(Options{Path: missing})
	var nf *onnxrt.MissingFileError
	if !errors.As(err, &nf) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing model: %v, want a MissingFileError", err)
	}
	for _, part := range []string{missing, "scripts/setup-face-embedding", EnvModel} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("message %q does not mention %q", err, part)
		}
	}
	// A model of another kind: Silero VAD has three inputs.
	if _, err := NewModel(Options{Path: voice.DefaultModelPath()}); err == nil || !strings.Contains(err.Error(), "want one input") {
		t.Errorf("the voice model as an embedding model: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.onnx")
	if err := os.WriteFile(junk, []byte{0xff, 0xff, 0xff}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewModel(Options{Path: junk}); err == nil {
		t.Error("a file that is not a model was accepted")
	}
	m := newTestModel(t, Options{})
	if _, err := m.Embed(image.NewGray(image.Rect(0, 0, 50, 50)), [5]face.Point{}); !errors.Is(err, ErrNoLandmarks) {
		t.Errorf("a face without landmarks: %v, want ErrNoLandmarks", err)
	}
	m.Close()
	if _, err := m.Embed(image.NewGray(image.Rect(0, 0, 50, 50)), [5]face.Point{{X: 1, Y: 1}, {X: 9, Y: 1}, {X: 5, Y: 5}, {X: 2, Y: 9}, {X: 8, Y: 9}}); err == nil {
		t.Error("a closed model embedded a face")
	}
}

// TestFit: landmarks that are the template rotated, scaled and moved are
// brought back onto it exactly.
func TestFit(t *testing.T) {
	angle, scale, dx, dy := 0.3, 2.5, 140.0, 60.0
	var lm [5]face.Point
	for i, p := range template {
		x, y := p[0]*scale, p[1]*scale
		lm[i] = face.Point{X: float32(x*math.Cos(angle) - y*math.Sin(angle) + dx), Y: float32(x*math.Sin(angle) + y*math.Cos(angle) + dy)}
	}
	s, ok := fit(lm)
	if !ok {
		t.Fatal("fit failed")
	}
	for i, p := range template {
		x, y := s.inverse(p[0], p[1])
		if math.Abs(x-float64(lm[i].X)) > 1e-3 || math.Abs(y-float64(lm[i].Y)) > 1e-3 {
			t.Errorf("template point %d maps back to (%.3f, %.3f), want (%.3f, %.3f)", i, x, y, lm[i].X, lm[i].Y)
		}
	}
	if _, ok := fit([5]face.Point{}); ok {
		t.Error("fit of five coinciding points succeeded")
	}
}

// TestAlignBrightensDarkFaces: a dark crop is scaled toward litFace, a lit
// one is left alone, and the aligned crop of a uniform grey image is that
// grey inside and black where the warp leaves the picture.
func TestAlignBrightensDarkFaces(t *testing.T) {
	for _, c := range []struct{ mean, want float64 }{{40, litFace / 40.0}, {10, maxGain}, {darkFace, 1}, {150, 1}, {0, 1}} {
		if g := exposureGain(c.mean); math.Abs(float64(g)-c.want) > 1e-6 {
			t.Errorf("gain for a crop of mean %v: %v, want %v", c.mean, g, c.want)
		}
	}
	var al aligner
	dst := make([]float32, 3*Side*Side)
	for _, c := range []struct {
		grey uint8
		want float32
	}{{100, 100}, {40, 110}} {
		img := image.NewGray(image.Rect(0, 0, 400, 400))
		for i := range img.Pix {
			img.Pix[i] = c.grey
		}
		lm := [5]face.Point{}
		for i, p := range template { // the template itself, a bit larger: the crop lies inside
			lm[i] = face.Point{X: float32(p[0]*2 + 50), Y: float32(p[1]*2 + 50)}
		}
		if !al.align(img, lm, dst, 1, 0) {
			t.Fatal("align failed")
		}
		mid := dst[Side*Side/2+Side/2]
		if math.Abs(float64(mid-c.want)) > 1 {
			t.Errorf("grey %d: the crop's centre is %v, want %v", c.grey, mid, c.want)
		}
	}
}

// TestZeroSubnormals builds a small ONNX model by hand: subnormal floats
// in raw initialisers, packed float_data and a Constant node's tensor are
// zeroed; normal floats and tensors of other types are kept; the size
// never changes.
func TestZeroSubnormals(t *testing.T) {
	sub := math.Float32bits(1e-40) // subnormal
	floats := func(vs ...uint32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint32(b[4*i:], v)
		}
		return b
	}
	tensor := func(dataType uint64, field protowire.Number, data []byte) []byte {
		var b []byte
		b = protowire.AppendTag(b, tensorDataType, protowire.VarintType)
		b = protowire.AppendVarint(b, dataType)
		b = protowire.AppendTag(b, field, protowire.BytesType)
		return protowire.AppendBytes(b, data)
	}
	msg := func(field protowire.Number, body []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, field, protowire.BytesType), body)
	}
	build := func(raw, packed, ints []byte) []byte {
		var graph []byte
		graph = append(graph, msg(graphInitializer, tensor(onnxFloat, tensorRawData, raw))...)
		graph = append(graph, msg(graphInitializer, tensor(6, tensorRawData, ints))...)
		graph = append(graph, msg(graphNode, msg(nodeAttribute, msg(attrTensor, tensor(onnxFloat, tensorFloatData, packed))))...)
		return append(protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 8), msg(modelGraph, graph)...)
	}
	one, two := math.Float32bits(1), math.Float32bits(-2)
	// INT32 data (type 6) that happens to look subnormal is kept.
	model := build(floats(sub, one, sub|0x80000000, 0), floats(two, sub), floats(sub, sub))
	want := build(floats(0, one, 0, 0), floats(two, 0), floats(sub, sub))
	n, err := zeroSubnormals(model)
	if err != nil || n != 3 {
		t.Fatalf("zeroSubnormals: %d zeroed (err %v), want 3", n, err)
	}
	if string(model) != string(want) {
		t.Fatalf("after zeroing:\n%x\nwant\n%x", model, want)
	}
	if _, err := zeroSubnormals([]byte{0x3a, 0x05, 0x01}); err == nil {
		t.Error("a truncated model was accepted")
	}
}

// TestPool: models serve goroutines at once and give each the embedding
// one model gives alone.
func TestPool(t *testing.T) {
	img := loadJPEG(t, "stills/obama_480p.jpg")
	lm := landmarks(t, img)
	want, err := newTestModel(t, Options{}).Embed(img, lm)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPool(2, Options{Path: DefaultModelPath()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			e, err := p.Embed(context.Background(), img, lm)
			if err == nil && Similarity(e, want) < 0.99999 {
				err = errors.New("a pooled model gave another embedding")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if p.Zeroed != 8938 {
		t.Errorf("pool models zeroed %d weights", p.Zeroed)
	}
}
