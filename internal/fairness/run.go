package fairness

import (
	"context"
	"image"
	"io"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
)

// Names of the standard detectors, as they appear in the tables.
const (
	NameYuNet       = "YuNet 0.6, 320x240 input (default)"
	NameYuNet07     = "YuNet 0.7, 320x240 input"
	NameYuNet640    = "YuNet 0.6, 640x480 input"
	NameUltraFace07 = "UltraFace 0.7"
	// NameDeployed is what Vigil runs on a frame: YuNet, and UltraFace only
	// when YuNet finds nobody (analysis.Frames.SecondOpinion).
	NameDeployed = "Vigil: YuNet 0.6, UltraFace 0.7 where YuNet finds nobody"
)

// fallback asks the second detector only when the first finds no face.
type fallback struct{ first, second Detector }

func (f fallback) Detect(img image.Image) ([]face.Face, error) {
	faces, err := f.first.Detect(img)
	if err != nil || len(faces) > 0 {
		return faces, err
	}
	return f.second.Detect(img)
}

// StandardDetectors creates the detectors Run measures: YuNet with the
// product's defaults, YuNet at threshold 0.7, YuNet with a 640x480 input,
// and UltraFace at 0.7. onnxrt.Init must have been called. The returned
// function closes them all.
func StandardDetectors() ([]Named, func(), error) {
	var dets []Named
	var closers []func() error
	closeAll := func() {
		for _, c := range closers {
			_ = c()
		}
	}
	for _, y := range []struct {
		name string
		opts face.Options
	}{
		{NameYuNet, face.Options{}},
		{NameYuNet07, face.Options{Threshold: 0.7}},
		{NameYuNet640, face.Options{InputWidth: 640, InputHeight: 480}},
	} {
		d, err := face.NewDetector(y.opts)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		closers = append(closers, d.Close)
		dets = append(dets, Named{y.name, d})
	}
	u, err := face.NewUltraFace(0.7)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	closers = append(closers, u.Close)
	dets = append(dets, Named{NameUltraFace07, u}, Named{NameDeployed, fallback{dets[0].Detector, u}})
	return dets, closeAll, nil
}

// Run builds the set of opts, measures the standard detectors on it and
// writes the markdown report to w: the set, a summary, the tables per
// detector, and UltraFace as a second opinion on YuNet (default and 640x480
// input).
//
// Run loads ONNX Runtime with onnxrt.Init(onnxrt.DefaultLibPath()) unless
// the caller has already loaded it (onnxrt.LoadedPath() is not empty), in
// which case the caller's runtime is used as it is. The detectors run on one
// goroutine, one intra-op thread each; the full set (750 faces, 3,000
// frames per detector, four detectors) took about 70 s on a 2-core machine.
func Run(ctx context.Context, opts Options, w io.Writer) error {
	if onnxrt.LoadedPath() == "" {
		if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
			return err
		}
	}
	set, err := BuildSet(opts)
	if err != nil {
		return err
	}
	dets, closeAll, err := StandardDetectors()
	if err != nil {
		return err
	}
	defer closeAll()
	results, err := MeasureAll(ctx, set, dets)
	if err != nil {
		return err
	}
	if err := WriteSet(w, set); err != nil {
		return err
	}
	if err := WriteMarkdown(w, results...); err != nil {
		return err
	}
	// UltraFace as a second opinion on the default YuNet and on YuNet with
	// a 640x480 input (the variant that fires on a no-face frame).
	second := results[3]
	for _, primary := range []Result{results[0], results[2]} {
		so, err := Compare(set, primary, second)
		if err != nil {
			return err
		}
		if err := WriteSecondOpinion(w, so); err != nil {
			return err
		}
	}
	return nil
}
