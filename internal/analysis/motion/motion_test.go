package motion

import (
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"path"
	"sort"
	"testing"

	"vigil/media"
)

func load(t testing.TB, name string) image.Image {
	t.Helper()
	f, err := media.FS.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func thumb(t testing.TB, img image.Image) *Thumb {
	var th Thumb
	Make(img, &th)
	return &th
}

func seq(t testing.TB, dir string) []*Thumb {
	names, _ := fs.Glob(media.FS, path.Join(dir, "*.jpg"))
	sort.Strings(names)
	var out []*Thumb
	for _, n := range names {
		out = append(out, thumb(t, load(t, n)))
	}
	return out
}

// exposed returns img with its luma scaled and shifted: the camera's
// auto-exposure brightening or darkening the whole picture.
func exposed(img *image.YCbCr, gain, offset float64) *image.YCbCr {
	c := *img
	c.Y = make([]byte, len(img.Y))
	for i, v := range img.Y {
		c.Y[i] = byte(min(255, max(0, float64(v)*gain+offset)))
	}
	return &c
}

func TestMotionSeparatesMovingCameraFromStillRoom(t *testing.T) {
	desk := seq(t, "frames/desk_empty_dlib")
	eyes := seq(t, "frames/eyes_center_10s")
	minDesk, maxEyes := float32(1), float32(0)
	for i := 1; i < len(desk); i++ {
		minDesk = min(minDesk, Changed(desk[i-1], desk[i]))
	}
	// The student sits in the middle: leave their region out.
	person := PersonRegion(110, 60, 100, 110, 320, 240)
	for i := 1; i < len(eyes); i++ {
		maxEyes = max(maxEyes, Changed(eyes[i-1], eyes[i], person))
	}
	t.Logf("moving camera: min changed fraction %.3f; still room, person excluded: max %.3f", minDesk, maxEyes)
	if minDesk < 0.15 || maxEyes > 0.05 {
		t.Fatalf("moving camera min %.3f (want ≥ 0.15), still room max %.3f (want ≤ 0.05)", minDesk, maxEyes)
	}
}

func TestExposureChangeIsNotMotion(t *testing.T) {
	img := load(t, "webcam320/obama_blueroom_headshoulders.jpg").(*image.YCbCr)
	base := thumb(t, img)
	for _, e := range [][2]float64{{0.6, 0}, {1.3, 10}, {0.8, 25}} {
		got := Changed(base, thumb(t, exposed(img, e[0], e[1])))
		if got > 0.03 {
			t.Errorf("exposure ×%.1f %+.0f reads as %.3f of the frame moving", e[0], e[1], got)
		}
	}
	if same := Changed(base, thumb(t, img)); same != 0 {
		t.Errorf("the same frame twice: %.3f changed", same)
	}
	other := thumb(t, load(t, "webcam320/two_people.jpg"))
	if c := Changed(base, other); c < 0.3 {
		t.Errorf("a different scene: only %.3f changed", c)
	}
}

func TestFlatFramesCannotShowMotion(t *testing.T) {
	dark := thumb(t, load(t, "webcam320/derived_black.jpg"))
	face := thumb(t, load(t, "webcam320/obama_480p.jpg"))
	if !dark.Flat || Changed(dark, face) != -1 {
		t.Fatalf("a covered camera: flat=%v changed=%v", dark.Flat, Changed(dark, face))
	}
	all := Region{0, 0, 1, 1}
	if Changed(face, face, all) != -1 {
		t.Fatal("nothing left to compare should be -1")
	}
}

func TestPersonRegion(t *testing.T) {
	r := PersonRegion(100, 50, 40, 60, 320, 240)
	want := Region{60.0 / 320, 20.0 / 240, 180.0 / 320, 1}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Fatalf("PersonRegion = %+v, want %+v", r, want)
	}
}

func BenchmarkMake320(b *testing.B) {
	img := load(b, "webcam320/obama_480p.jpg")
	var th Thumb
	for b.Loop() {
		Make(img, &th)
	}
}

func BenchmarkChanged(b *testing.B) {
	a, c := thumb(b, load(b, "webcam320/obama_480p.jpg")), thumb(b, load(b, "webcam320/two_people.jpg"))
	r := PersonRegion(100, 50, 40, 60, 320, 240)
	for b.Loop() {
		Changed(a, c, r)
	}
}

// Within on a real webcam take (a phone held by the student, so the wall
// shakes a little too): the student's face (where YuNet puts it in these
// frames, about x 100–210, y 40–170 of 320x240) changes more between
// seconds than a patch of the wall beside it, typically three times as
// much, though not in every frame.
func TestWithinFaceAndWall(t *testing.T) {
	frames := seq(t, "frames/eyes_center_10s")
	var faces, walls []float64
	for i := 1; i < len(frames); i++ {
		fc := Within(frames[i-1], frames[i], BoxRegion(110, 50, 90, 110, 320, 240))
		wall := Within(frames[i-1], frames[i], BoxRegion(215, 10, 30, 80, 320, 240))
		if fc < 0 || wall < 0 {
			t.Fatalf("frame %d: face %.3f, wall %.3f: nothing to compare", i, fc, wall)
		}
		faces, walls = append(faces, float64(fc)), append(walls, float64(wall))
	}
	sort.Float64s(faces)
	sort.Float64s(walls)
	mf, mw := faces[len(faces)/2], walls[len(walls)/2]
	t.Logf("face: median %.3f (%.3f–%.3f); wall: median %.3f (%.3f–%.3f)", mf, faces[0], faces[len(faces)-1], mw, walls[0], walls[len(walls)-1])
	if mf < 2*mw {
		t.Errorf("face median %.3f, wall median %.3f: want the face at least twice the wall", mf, mw)
	}
	a := frames[0]
	if Within(a, a, BoxRegion(110, 50, 90, 110, 320, 240)) != 0 {
		t.Error("the same frame changed")
	}
	if Within(a, a, Region{X0: 2, Y0: 2, X1: 3, Y1: 3}) != -1 || Within(&Thumb{Flat: true}, a, Region{X1: 1, Y1: 1}) != -1 {
		t.Error("an empty region or a flat frame should give -1")
	}
}

// Noise is the still part of the room's change: the face changes at least
// twice as much in every frame of a still take; a frame compared with
// itself has none.
func TestNoise(t *testing.T) {
	frames := seq(t, "frames/eyes_center_10s")
	for i := 1; i < len(frames); i++ {
		n := Noise(frames[i-1], frames[i])
		fc := Within(frames[i-1], frames[i], BoxRegion(110, 50, 90, 110, 320, 240))
		if n <= 0 || n > 0.02 || fc < 2*n {
			t.Errorf("frame %d: noise %.4f, face %.4f: want noise in (0, 0.02] and the face at least twice it", i, n, fc)
		}
	}
	if Noise(frames[0], frames[0]) != 0 || Noise(&Thumb{Flat: true}, frames[0]) != -1 {
		t.Error("a frame against itself has no noise; a flat frame has none to tell")
	}
	xs := []float32{5, 1, 4, 2, 3}
	if m := quickSelect(xs, 2); m != 3 {
		t.Errorf("median %v", m)
	}
	if m := quickSelect([]float32{7, 7, 1, 9}, 1); m != 7 {
		t.Errorf("second smallest %v", m)
	}
}
