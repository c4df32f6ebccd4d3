package headpose

import (
	"context"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"vigil/internal/analysis/face"
)

func TestFromCamera(t *testing.T) {
	if a, ok := FromCamera([12]float64{50, 0, 0, 7, 0, 50, 0, 9, 0, 0, 50, 1}); !ok || a != (Angles{}) {
		t.Fatalf("scaled identity: %+v %v, want zero angles", a, ok)
	}
	// A turn about the vertical axis by +30°: the first row (cos, 0, −sin)
	// makes the third row (sin, 0, cos), read as yaw +30°. The scale and
	// the translation column do not matter.
	s, c := math.Sin(math.Pi/6), math.Cos(math.Pi/6)
	a, ok := FromCamera([12]float64{80 * c, 0, -80 * s, 60, 0, 80, 0, 60, 0, 0, 0, 0})
	if !ok || math.Abs(a.Yaw-30) > 1e-9 || math.Abs(a.Pitch) > 1e-9 || math.Abs(a.Roll) > 1e-9 {
		t.Fatalf("yaw 30: %+v %v", a, ok)
	}
	// In-plane rotation by +20°: roll +20°.
	s, c = math.Sin(math.Pi/9), math.Cos(math.Pi/9)
	a, ok = FromCamera([12]float64{c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0})
	if !ok || math.Abs(a.Roll-20) > 1e-9 || math.Abs(a.Yaw) > 1e-9 {
		t.Fatalf("roll 20: %+v %v", a, ok)
	}
	// The singular case: the third row along x.
	a, ok = FromCamera([12]float64{0, 0, -1, 0, 0, 1, 0, 0})
	if !ok || a.Yaw != 90 || a.Roll != 0 {
		t.Fatalf("yaw 90: %+v %v", a, ok)
	}
	for _, p := range [][12]float64{{}, {math.NaN(), 0, 0, 0, 0, 1}, {math.Inf(1), 0, 0, 0, 0, 1}} {
		if _, ok := FromCamera(p); ok {
			t.Errorf("%v: ok, want refused", p)
		}
	}
}

func TestCrop(t *testing.T) {
	// 3DDFA_V2's parse_roi_box_from_bbox: old = 100, centre (150, 164),
	// side trunc(158).
	r, ok := Crop(face.Face{X: 100, Y: 100, W: 100, H: 100})
	if !ok || r != image.Rect(71, 85, 229, 243) {
		t.Fatalf("Crop = %v %v, want (71,85)-(229,243)", r, ok)
	}
	for _, f := range []face.Face{{}, {W: 10}, {W: -5, H: 5}, {W: float32(math.NaN()), H: 5}, {W: float32(math.Inf(1)), H: 1}} {
		if _, ok := Crop(f); ok {
			t.Errorf("Crop(%+v) ok, want refused", f)
		}
	}
}

// fixture is one shared image with a known pose.
var (
	fixMu      sync.Mutex
	fixDet     *face.Detector
	fixEst     *Estimator
	fixDecoded = map[string]image.Image{}
)

func loadShared(t testing.TB, rel string) image.Image {
	t.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	if img, ok := fixDecoded[rel]; ok {
		return img
	}
	f, err := os.Open(filepath.Join(sharedDir, rel))
	if err != nil {
		t.Fatalf("shared media missing: %v", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	fixDecoded[rel] = img
	return img
}

// estimateAll detects the faces of img with YuNet (320x240 input, as a
// server does) and estimates each one's pose.
func estimateAll(t testing.TB, img image.Image) ([]face.Face, []Angles) {
	t.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	var err error
	if fixDet == nil {
		if fixDet, err = face.NewDetector(face.Options{}); err != nil {
			t.Fatal(err)
		}
		if fixEst, err = NewEstimator(); err != nil {
			t.Fatal(err)
		}
	}
	faces, err := fixDet.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Angles, len(faces))
	for i, f := range faces {
		if out[i], err = fixEst.Estimate(img, f); err != nil {
			t.Fatal(err)
		}
	}
	return faces, out
}

func onlyFace(t testing.TB, name string, img image.Image) Angles {
	t.Helper()
	faces, angles := estimateAll(t, img)
	if len(faces) != 1 {
		t.Fatalf("%s: %d faces, want 1", name, len(faces))
	}
	return angles[0]
}

// Frontal faces of the shared stills: small angles.
func TestFrontalStills(t *testing.T) {
	for _, rel := range []string{"media/webcam320/obama_480p.jpg", "media/webcam320/biden_headshoulders.jpg",
		"media/webcam320/pigo_sample.jpg", "media/webcam640/obama_portrait.jpg", "media/frames/eyes_center_10s/f01_640.jpg"} {
		a := onlyFace(t, rel, loadShared(t, rel))
		t.Logf("%s: %+.1f", rel, a)
		if math.Abs(a.Yaw) > 15 || math.Abs(a.Roll) > 15 || math.Abs(a.Pitch) > 20 {
			t.Errorf("%s: %+.1f, want a frontal face (|yaw|, |roll| ≤ 15°, |pitch| ≤ 20°)", rel, a)
		}
	}
}

// Real turned heads from the shared FairFace sample (CC BY 4.0), judged by
// eye: the model's yaw has the sign of the documented convention (nose
// towards the image's left is positive) and about the size seen; the
// mirrored picture gives the opposite sign. The two looking down at
// something in their hands read as pitch > 20° (nose down).
func TestTurnedHeads(t *testing.T) {
	cases := []struct {
		file           string
		yawLo, yawHi   float64 // by eye, with margin
		pitchLo        float64
		checkPitchDown bool
	}{
		{file: "Middle_Eastern/Female_20-29_V7_MiddleEastern_Female_20s.jpg", yawLo: -95, yawHi: -65},                                    // profile, nose to the image's right
		{file: "Black/Female_20-29_V4_Black_Female_20s.jpg", yawLo: -70, yawHi: -40},                                                     // about 50°
		{file: "Southeast_Asian/Female_40-49_V4_SoutheastAsian_Female_40s.jpg", yawLo: -50, yawHi: -25},                                  // about 35°
		{file: "Black/Female_20-29_V5_Black_Female_20s.jpg", yawLo: 22, yawHi: 48},                                                       // about 30° the other way
		{file: "Latino_Hispanic/Female_30-39_V4_Latino_Female_30s.jpg", yawLo: 35, yawHi: 60},                                            // about 45°
		{file: "Southeast_Asian/Female_60-69_V3_SoutheastAsian_Female_60s.jpg", yawLo: 10, yawHi: 45, pitchLo: 20, checkPitchDown: true}, // reading a paper
		{file: "Black/Male_60-69_V2_Black_Male_60s.jpg", yawLo: -30, yawHi: 0, pitchLo: 20, checkPitchDown: true},                        // looking down
	}
	for _, c := range cases {
		img := loadShared(t, "fairface/"+c.file)
		a := onlyFace(t, c.file, img)
		m := onlyFace(t, c.file+" mirrored", mirror(img))
		t.Logf("%s: %+.1f, mirrored %+.1f", c.file, a, m)
		if a.Yaw < c.yawLo || a.Yaw > c.yawHi {
			t.Errorf("%s: yaw %.1f, want %.0f…%.0f", c.file, a.Yaw, c.yawLo, c.yawHi)
		}
		if m.Yaw < -c.yawHi-8 || m.Yaw > -c.yawLo+8 {
			t.Errorf("%s mirrored: yaw %.1f, want about %.1f", c.file, m.Yaw, -a.Yaw)
		}
		if c.checkPitchDown && (a.Pitch < c.pitchLo || m.Pitch < c.pitchLo) {
			t.Errorf("%s: pitch %.1f (mirrored %.1f), want ≥ %.0f (looking down)", c.file, a.Pitch, m.Pitch, c.pitchLo)
		}
	}
}

// Rotating the picture of a frontal face turns roll by about as much, in
// the documented direction (counter-clockwise in the picture is positive),
// and leaves yaw near where it was.
func TestRollFollowsRotation(t *testing.T) {
	img := loadShared(t, "media/webcam640/obama_portrait.jpg")
	base := onlyFace(t, "upright", img)
	for _, deg := range []float64{20, -20} {
		a := onlyFace(t, "rotated", rotate(img, deg))
		t.Logf("rotated %+.0f°: %+.1f (upright %+.1f)", deg, a, base)
		if d := a.Roll - base.Roll; math.Abs(d-deg) > 6 {
			t.Errorf("rotated %+.0f°: roll moved %.1f°", deg, d)
		}
		if math.Abs(a.Yaw-base.Yaw) > 8 {
			t.Errorf("rotated %+.0f°: yaw moved from %.1f to %.1f", deg, base.Yaw, a.Yaw)
		}
	}
}

func TestPool(t *testing.T) {
	p, err := NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	img := loadShared(t, "media/webcam320/obama_480p.jpg")
	faces, want := estimateAll(t, img)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			a, err := p.Estimate(context.Background(), img, faces[0])
			if err != nil || math.Abs(a.Yaw-want[0].Yaw) > 1e-4 {
				t.Errorf("pool: %+v %v, want %+v", a, err, want[0])
			}
		})
	}
	wg.Wait()
	if _, err := p.Estimate(context.Background(), img, face.Face{}); err != ErrNoFace {
		t.Errorf("empty box: %v, want ErrNoFace", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Estimate(context.Background(), img, faces[0]); err == nil {
		t.Error("Estimate after Close: no error")
	}
}

// BenchmarkEstimate is the pose of one face of a 320x240 frame: crop,
// resize and inference.
func BenchmarkEstimate(b *testing.B) {
	img := loadShared(b, "media/webcam320/obama_480p.jpg")
	faces, _ := estimateAll(b, img)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fixEst.Estimate(img, faces[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCrop is the crop and resize alone.
func BenchmarkCrop(b *testing.B) {
	img := loadShared(b, "media/webcam320/obama_480p.jpg")
	faces, _ := estimateAll(b, img)
	roi, _ := Crop(faces[0])
	var c cropper
	dst := make([]float32, 3*Side*Side)
	b.ReportAllocs()
	for b.Loop() {
		c.fill(img, roi, dst)
	}
}

func mirror(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dx()-1-x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// rotate turns img counter-clockwise (as seen) by deg about its centre,
// nearest pixel, black outside.
func rotate(img image.Image, deg float64) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	s, c := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	for y := range b.Dy() {
		for x := range b.Dx() {
			// Counter-clockwise on screen (y down): the source is found by
			// turning the destination clockwise.
			dx, dy := float64(x)-cx, float64(y)-cy
			sx, sy := c*dx-s*dy+cx, s*dx+c*dy+cy
			ix, iy := int(math.Round(sx)), int(math.Round(sy))
			if ix >= 0 && iy >= 0 && ix < b.Dx() && iy < b.Dy() {
				out.Set(x, y, img.At(b.Min.X+ix, b.Min.Y+iy))
			}
		}
	}
	return out
}
