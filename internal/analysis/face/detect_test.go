package face

import (
	"image"
	"math"
	"path/filepath"
	"testing"
)

// Measured with the default options (threshold 0.6, 320x240 input) on the
// 135 lines of groundtruth.tsv: 133 exact. The two misses are the
// derived_biden_dark frames (webcam640 and webcam320), which decode to a
// mean luma of 0–1 (max 3): there is no face left to see, and the
// "too dark" check (MeanLuma) is what must catch them.
// (Threshold 0.7: also 133. 640x480 input: 132, one stray 0.62 box on a desk frame.)
const measuredExact = 133

// allowedCounts says which counts pass for a frame: the exact ground truth,
// except for frames too dark to hold a visible face, where 0 is as right
// as 1 (the product reports "too dark" instead).
func allowedCounts(tr truth) []int {
	if tr.note == "too-dark" {
		return []int{0, tr.faces}
	}
	return []int{tr.faces}
}

func TestGroundTruthCounts(t *testing.T) {
	d := newTestDetector(t, Options{})
	exact, total := 0, 0
	for _, tr := range readGroundTruth(t) {
		img := loadJPEG(t, tr.path)
		faces := detect(t, d, img)
		total++
		if len(faces) == tr.faces {
			exact++
		}
		if !containsInt(allowedCounts(tr), len(faces)) {
			t.Errorf("%s (%s): %d faces, want %v", tr.path, tr.note, len(faces), allowedCounts(tr))
		}
		checkFaces(t, tr.path, img.Bounds(), faces)
	}
	t.Logf("exact face count on %d of %d frames", exact, total)
	if exact < measuredExact {
		t.Errorf("exact face count on %d of %d frames, measured %d", exact, total, measuredExact)
	}
}

// TestKeyFrames states the cases the product depends on by name, so a
// change to groundtruth.tsv cannot quietly weaken them.
func TestKeyFrames(t *testing.T) {
	d := newTestDetector(t, Options{})
	cases := []struct {
		glob string
		want int
	}{
		{"webcam320/desk_empty_320.jpg", 0},
		{"webcam*/derived_black.jpg", 0},
		{"frames/desk_empty_dlib/*.jpg", 0},
		{"frames/eyes_*/*.jpg", 1},
		{"webcam*/obama_480p.jpg", 1},
		{"webcam*/obama_portrait.jpg", 1},
		{"webcam*/biden_headshoulders.jpg", 1},
		{"webcam*/obama_blueroom_headshoulders.jpg", 1},
		{"webcam*/pigo_sample.jpg", 1},
		{"webcam*/two_people.jpg", 2},
	}
	for _, c := range cases {
		paths, err := filepath.Glob(filepath.Join(mediaDir, c.glob))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no media matches %s (err %v)", c.glob, err)
		}
		for _, p := range paths {
			rel, _ := filepath.Rel(mediaDir, p)
			if got := len(detect(t, d, loadJPEG(t, rel))); got != c.want {
				t.Errorf("%s: %d faces, want %d", rel, got, c.want)
			}
		}
	}
}

// TestOriginalStills runs the un-letterboxed photos (odd sizes and aspect
// ratios, squeezed into 320x240), exercising the resize path.
func TestOriginalStills(t *testing.T) {
	d := newTestDetector(t, Options{})
	want := map[string]int{
		"biden_headshoulders.jpg": 1, "obama_480p.jpg": 1, "obama_blueroom_headshoulders.jpg": 1,
		"obama_partial_face.jpg": 1, "obama_portrait.jpg": 1, "pigo_sample.jpg": 1,
		"two_people.jpg": 2, "three_business_people.jpg": 3, "selfie_four_friends.jpg": 4,
		"desk_empty_320.jpg": 0, "derived_black.jpg": 0,
	}
	for name, n := range want {
		img := loadJPEG(t, "stills/"+name)
		faces := detect(t, d, img)
		if len(faces) != n {
			t.Errorf("stills/%s %v: %d faces, want %d", name, img.Bounds().Size(), len(faces), n)
		}
		checkFaces(t, name, img.Bounds(), faces)
	}
}

// checkFaces checks the invariants every result must keep: boxes inside
// the frame, scores in [threshold, 1], descending order, and landmarks in
// the documented order on upright faces.
func checkFaces(t *testing.T, name string, b image.Rectangle, faces []Face) {
	t.Helper()
	fb := image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Max.Y)
	for i, f := range faces {
		if f.X < float32(fb.Min.X) || f.Y < float32(fb.Min.Y) ||
			f.X+f.W > float32(fb.Max.X)+1e-3 || f.Y+f.H > float32(fb.Max.Y)+1e-3 || f.W <= 0 || f.H <= 0 {
			t.Errorf("%s: face %d box %+v outside frame %v", name, i, f, b)
		}
		if f.Score < DefaultThreshold || f.Score > 1 {
			t.Errorf("%s: face %d score %v", name, i, f.Score)
		}
		if i > 0 && f.Score > faces[i-1].Score {
			t.Errorf("%s: faces not sorted by score", name)
		}
		lm := f.Landmarks
		eyeY := (lm[0].Y + lm[1].Y) / 2
		if !(lm[0].X < lm[1].X && lm[3].X < lm[4].X && lm[2].Y > eyeY && lm[3].Y > lm[2].Y) {
			t.Errorf("%s: face %d landmarks out of order: %v", name, i, lm)
		}
	}
}

// TestTinyBoxFilterCostsNoRecall checks that dropping boxes under 4% of the
// frame height changes no count on the media. (Measured: the smallest real
// face is 12.6% of the frame height at 320x240 input.)
func TestTinyBoxFilterCostsNoRecall(t *testing.T) {
	with := newTestDetector(t, Options{})
	without := newTestDetector(t, Options{})
	without.minFrac = 0
	for _, tr := range readGroundTruth(t) {
		img := loadJPEG(t, tr.path)
		a, b := detect(t, with, img), detect(t, without, img)
		if len(a) != len(b) && len(b) == tr.faces {
			t.Errorf("%s: the tiny-box filter dropped a real face (%d -> %d)", tr.path, len(b), len(a))
		}
	}
}

// TestImageTypesAgree checks that the YCbCr, RGBA, NRGBA and generic paths
// produce the same detections for the same picture.
func TestImageTypesAgree(t *testing.T) {
	d := newTestDetector(t, Options{})
	for _, rel := range []string{"webcam320/two_people.jpg", "webcam640/two_people.jpg", "stills/obama_portrait.jpg"} {
		src := loadJPEG(t, rel)
		ref := detect(t, d, src)
		variants := map[string]image.Image{
			"RGBA":    toRGBA(src),
			"NRGBA":   toNRGBA(src),
			"generic": opaque{src},
		}
		for name, img := range variants {
			got := detect(t, d, img)
			if !sameFaces(ref, got, 1.5) {
				t.Errorf("%s as %s: %v, want %v", rel, name, got, ref)
			}
		}
	}
}

// TestSubImageCoordinates checks that a cropped frame (non-zero origin,
// shared buffers) is handled and reported in the parent's coordinates.
func TestSubImageCoordinates(t *testing.T) {
	d := newTestDetector(t, Options{})
	full := loadJPEG(t, "webcam640/two_people.jpg")
	all := detect(t, d, full)
	if len(all) != 2 {
		t.Fatalf("want 2 faces in the full frame, got %d", len(all))
	}
	left := all[0]
	if all[1].X < left.X {
		left = all[1]
	}
	// Odd origin coordinates fall between 4:2:0 chroma samples.
	crop := image.Rect(3, 15, int(left.X+left.W)+40, full.Bounds().Dy())
	sub := full.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(crop)
	got := detect(t, d, sub)
	if len(got) != 1 {
		t.Fatalf("crop %v: %d faces, want 1", crop, len(got))
	}
	// Different resize ratios move the box a little; it must stay on the face.
	if math.Abs(float64(got[0].X+got[0].W/2-(left.X+left.W/2))) > 0.15*float64(left.W) ||
		math.Abs(float64(got[0].Y+got[0].H/2-(left.Y+left.H/2))) > 0.15*float64(left.H) {
		t.Errorf("crop face %+v far from full-frame face %+v", got[0], left)
	}
}

func TestBadInput(t *testing.T) {
	d := newTestDetector(t, Options{})
	bad := map[string]image.Image{
		"nil":               nil,
		"typed nil YCbCr":   (*image.YCbCr)(nil),
		"typed nil RGBA":    (*image.RGBA)(nil),
		"0x0":               image.NewRGBA(image.Rect(0, 0, 0, 0)),
		"0x240":             image.NewYCbCr(image.Rect(0, 0, 0, 240), image.YCbCrSubsampleRatio420),
		"too wide":          image.NewGray(image.Rect(0, 0, MaxImageSide+1, 2)),
		"short Y plane":     &image.YCbCr{Rect: image.Rect(0, 0, 320, 240), YStride: 320, CStride: 160, SubsampleRatio: image.YCbCrSubsampleRatio420},
		"short RGBA buffer": &image.RGBA{Rect: image.Rect(0, 0, 320, 240), Stride: 1280, Pix: make([]uint8, 100)},
	}
	for name, img := range bad {
		faces, err := d.Detect(img)
		if err == nil {
			t.Errorf("%s: no error (faces %v)", name, faces)
		}
	}
	// Tiny but valid images are not errors: they just hold no face.
	for _, r := range []image.Rectangle{image.Rect(0, 0, 1, 1), image.Rect(5, 7, 7, 8)} {
		faces, err := d.Detect(image.NewRGBA(r))
		if err != nil || len(faces) != 0 {
			t.Errorf("%v: faces %v, err %v; want none, nil", r, faces, err)
		}
	}
	// The detector still works after rejecting bad input.
	if n := len(detect(t, d, loadJPEG(t, "webcam320/two_people.jpg"))); n != 2 {
		t.Errorf("after bad input: %d faces, want 2", n)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{Threshold: -0.1}, {Threshold: 1.5},
		{InputWidth: 320}, {InputWidth: 16, InputHeight: 16}, {InputWidth: 5000, InputHeight: 240},
	} {
		if d, err := NewDetector(o); err == nil {
			d.Close()
			t.Errorf("NewDetector(%+v): no error", o)
		}
	}
	// A non-multiple-of-32 input is padded, and still finds the faces.
	d := newTestDetector(t, Options{InputWidth: 300, InputHeight: 225})
	if d.padW != 320 || d.padH != 256 {
		t.Errorf("pad %dx%d, want 320x256", d.padW, d.padH)
	}
	if n := len(detect(t, d, loadJPEG(t, "webcam640/two_people.jpg"))); n != 2 {
		t.Errorf("300x225 input: %d faces, want 2", n)
	}
}

func TestClose(t *testing.T) {
	d, err := NewDetector(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := d.Detect(loadJPEG(t, "webcam320/two_people.jpg")); err == nil {
		t.Error("Detect after Close: no error")
	}
}

// TestDetectAllocations holds the pre-processing and decoding to zero
// allocations; the only one left is the returned slice when faces are found.
func TestDetectAllocations(t *testing.T) {
	d := newTestDetector(t, Options{})
	cases := []struct {
		rel  string
		conv func(image.Image) image.Image
		max  float64
	}{
		{"webcam320/desk_empty_320.jpg", nil, 0},
		{"webcam320/two_people.jpg", nil, 1},
		{"webcam640/two_people.jpg", nil, 1},
		{"webcam320/two_people.jpg", func(m image.Image) image.Image { return toRGBA(m) }, 1},
		{"webcam640/two_people.jpg", func(m image.Image) image.Image { return toNRGBA(m) }, 1},
	}
	for _, c := range cases {
		img := loadJPEG(t, c.rel)
		if c.conv != nil {
			img = c.conv(img)
		}
		detect(t, d, img) // grow the buffers first
		allocs := testing.AllocsPerRun(20, func() { detect(t, d, img) })
		if allocs > c.max {
			t.Errorf("%s as %T: %.1f allocs per Detect, want <= %.0f", c.rel, img, allocs, c.max)
		}
	}
}

func TestMeanLuma(t *testing.T) {
	dark := MeanLuma(loadJPEG(t, "webcam640/derived_biden_dark.jpg"))
	black := MeanLuma(loadJPEG(t, "webcam640/derived_black.jpg"))
	lit := MeanLuma(loadJPEG(t, "webcam640/biden_headshoulders.jpg"))
	// The media README says ~10 for the dark frame; the file decodes to ~0.
	if dark > 15 || black > 15 {
		t.Errorf("dark frames: luma %.1f and %.1f, want <= 15", dark, black)
	}
	if lit < 60 {
		t.Errorf("lit frame: luma %.1f, want >= 60", lit)
	}
	for _, rel := range []string{"webcam640/biden_headshoulders.jpg", "webcam320/pigo_sample.jpg"} {
		src := loadJPEG(t, rel)
		ref := MeanLuma(src)
		for name, img := range map[string]image.Image{"RGBA": toRGBA(src), "NRGBA": toNRGBA(src), "generic": opaque{src}} {
			if got := MeanLuma(img); math.Abs(got-ref) > 1.5 {
				t.Errorf("%s as %s: luma %.2f, YCbCr %.2f", rel, name, got, ref)
			}
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 10, 10))
	for i := range gray.Pix {
		gray.Pix[i] = 77
	}
	if got := MeanLuma(gray); got != 77 {
		t.Errorf("uniform gray 77: %v", got)
	}
	if MeanLuma(nil) != 0 || MeanLuma(image.NewRGBA(image.Rectangle{})) != 0 || MeanLuma((*image.YCbCr)(nil)) != 0 {
		t.Error("nil or empty image: want 0")
	}
}

func TestNMS(t *testing.T) {
	faces := []Face{
		{X: 0, Y: 0, W: 10, H: 10, Score: 0.7},
		{X: 1, Y: 1, W: 10, H: 10, Score: 0.9}, // overlaps the first (IoU ~0.68)
		{X: 20, Y: 0, W: 10, H: 10, Score: 0.8},
	}
	kept := nms(faces, 0.3)
	if len(kept) != 2 || kept[0].Score != 0.9 || kept[1].Score != 0.8 {
		t.Errorf("nms kept %+v", kept)
	}
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func sameFaces(a, b []Face, tol float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		d := max(abs32(a[i].X-b[i].X), abs32(a[i].Y-b[i].Y), abs32(a[i].W-b[i].W), abs32(a[i].H-b[i].H))
		if d > tol {
			return false
		}
	}
	return true
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

func toRGBA(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(x, y, src.At(x, y))
		}
	}
	return dst
}

func toNRGBA(src image.Image) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(x, y, src.At(x, y))
		}
	}
	return dst
}

// opaque hides the concrete type so Detect takes its generic At path.
type opaque struct{ image.Image }
