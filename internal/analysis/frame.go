// Package analysis turns captured media into signals (detectors) and signals
// into violations (rules). It does no I/O: callers hand it bytes and stored
// signals, and store what it returns. Rules are pure functions of signals and
// settings, so changing an exam's settings re-decides without re-detecting.
package analysis

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"

	"vigil/internal/analysis/face"
	"vigil/internal/proctor"
)

// Detector finds faces in an image; *face.Pool is one, safe for concurrent use.
type Detector interface {
	Detect(ctx context.Context, img image.Image) ([]face.Face, error)
}

// Image size limits for anything a client uploads.
const (
	MinImageSide = 16
	MaxImageSide = 4096
)

// CheckJPEG reads a JPEG's header and returns its size, refusing data that
// is not a JPEG or whose dimensions no webcam produces. It does not decode
// the pixels, so it is cheap enough for the upload path.
func CheckJPEG(data []byte) (width, height int, err error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF {
		return 0, 0, fmt.Errorf("not a JPEG (no JPEG start marker)")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, fmt.Errorf("not a readable JPEG: %v", err)
	}
	if cfg.Width < MinImageSide || cfg.Height < MinImageSide || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return 0, 0, fmt.Errorf("JPEG of %dx%d pixels: sides must be %d to %d", cfg.Width, cfg.Height, MinImageSide, MaxImageSide)
	}
	return cfg.Width, cfg.Height, nil
}

// DecodeJPEG checks and decodes a JPEG.
func DecodeJPEG(data []byte) (image.Image, error) {
	if _, _, err := CheckJPEG(data); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt JPEG: %v", err)
	}
	return img, nil
}

// AnalyzeFrame runs the frame detectors over one webcam frame. A frame that
// cannot be analysed yields a signal with OK false and the reason, so the
// session's analysis goes on and the reviewer can see what was skipped.
func AnalyzeFrame(ctx context.Context, det Detector, f *proctor.Frame, data []byte) (proctor.FrameSignal, error) {
	sig := proctor.FrameSignal{SessionID: f.SessionID, Seq: f.Seq, CapturedAt: f.CapturedAt}
	img, err := DecodeJPEG(data)
	if err != nil {
		sig.Error = err.Error()
		return sig, nil
	}
	faces, err := det.Detect(ctx, img)
	if err != nil {
		if ctx.Err() != nil {
			return sig, ctx.Err() // shutting down: retry later, record nothing
		}
		sig.Error = "face detection failed: " + err.Error()
		return sig, nil
	}
	sig.OK = true
	sig.MeanLuma = face.MeanLuma(img)
	sig.Faces = len(faces)
	for _, fc := range faces {
		sig.Boxes = append(sig.Boxes, proctor.FaceBox{X: fc.X, Y: fc.Y, W: fc.W, H: fc.H, Score: fc.Score})
	}
	return sig, nil
}
