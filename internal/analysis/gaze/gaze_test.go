package gaze

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"testing"

	"vigil/internal/analysis/face"
	"vigil/internal/proctor"
)

// recommendedInput is the YuNet input width the recommendation is for.
const recommendedInput = 640

// TestLookAsideSeparates asserts the measurement MEASUREMENTS.md reports:
// with landmarks from YuNet at 640x480 input, looking LEFT (f06–f10) moves
// GazeX below the person's centre baseline and looking RIGHT above it, far
// beyond the centre frames' noise, at both frame sizes.
func TestLookAsideSeparates(t *testing.T) {
	for _, size := range frameSizes {
		for _, s := range seqs {
			t.Run(fmt.Sprintf("%s/%d", short(s), size), func(t *testing.T) {
				smp := measure(t, s, size, recommendedInput)
				for _, x := range smp {
					if x.faces != 1 || !x.pose.OK || x.pose.Pupils != 2 {
						t.Fatalf("f%02d: %d faces, pose %+v; want one face, OK, 2 pupils", x.i, x.faces, x.pose)
					}
				}
				r := separate(s, smp, gazeX)
				t.Logf("baseline %+.3f σ %.3f max|Δc| %.3f (f%02d) Δaway(f07–10) %+.3f min %+.3f d %+.1f",
					r.base, r.sd, r.maxDev, r.worst, r.away7, r.minAway, r.d)
				// Centre frames: measured largest deviation 0.047 (right,
				// f01); none beyond the recommended shift.
				for _, x := range smp {
					if d := float64(x.pose.GazeX) - r.base; !s.away(x.i) && math.Abs(d) > proctor.DefaultGazeShift {
						t.Errorf("centre frame f%02d deviates %+.3f from baseline, beyond %.2f", x.i, d, proctor.DefaultGazeShift)
					}
				}
				if s.dir == 0 {
					return
				}
				// Looking aside, f07–f10: every frame beyond the shift in the
				// expected direction (measured min 0.092), the mean by 0.09
				// or more (measured 0.095–0.138), effect size ≥ 3.5 σ of the
				// centre frames (measured 4.0–10.4). f06 is the transition
				// frame (measured −0.031 left, +0.018 right): not asserted.
				if r.minAway <= proctor.DefaultGazeShift {
					t.Errorf("a look-aside frame deviates only %+.3f in the expected direction, want > %.2f", r.minAway, proctor.DefaultGazeShift)
				}
				if r.away7*s.dir < 0.09 {
					t.Errorf("mean look-aside deviation %+.3f, want ≥ 0.09 towards %+.0f", r.away7, s.dir)
				}
				if r.d*s.dir < 3.5 {
					t.Errorf("effect size %+.1f, want ≥ 3.5 towards %+.0f", r.d, s.dir)
				}
			})
		}
	}
}

// TestLiveReplay runs the recommendation as a rule would: baseline = median
// GazeX of the first BaselineFrames frames, flag |GazeX − baseline| >
// proctor.DefaultGazeShift. Measured at 640 input: f07–f10 flagged in both folders, f06
// (transition) not, no centre frame flagged in any of the three folders.
func TestLiveReplay(t *testing.T) {
	for _, size := range frameSizes {
		for _, s := range seqs {
			smp := measure(t, s, size, recommendedInput)
			var b []float64
			for _, x := range smp[:BaselineFrames] {
				b = append(b, float64(x.pose.GazeX))
			}
			base := median(b)
			for _, x := range smp[BaselineFrames:] {
				d := float64(x.pose.GazeX) - base
				flagged := math.Abs(d) > proctor.DefaultGazeShift
				switch {
				case s.away(x.i) && x.i >= 7 && !flagged:
					t.Errorf("%s/%d f%02d (looking aside): Δ %+.3f not flagged", short(s), size, x.i, d)
				case !s.away(x.i) && flagged:
					t.Errorf("%s/%d f%02d (centre): Δ %+.3f flagged", short(s), size, x.i, d)
				}
			}
		}
	}
}

// TestInput320 records what 320x240 YuNet input gives: looking LEFT still
// separates (measured d −6.2/−8.8, every f07–f10 frame beyond 0.098), but
// looking RIGHT does not frame by frame: the eye landmarks wander, so
// centre frame f05 deviates 0.066 and look-aside f07 only 0.045–0.057.
// Only the mean shift (+0.080/+0.088, d 2.4–2.6) keeps its direction.
func TestInput320(t *testing.T) {
	for _, size := range frameSizes {
		left := separate(seqs[1], measure(t, seqs[1], size, 320), gazeX)
		right := separate(seqs[2], measure(t, seqs[2], size, 320), gazeX)
		t.Logf("%d frame: left d %+.1f min %+.3f; right d %+.1f min %+.3f max|Δc| %.3f",
			size, left.d, left.minAway, right.d, right.minAway, right.maxDev)
		if left.minAway <= proctor.DefaultGazeShift || left.d > -5 {
			t.Errorf("%d frame: left at 320 input: min %+.3f d %+.1f; measured min ≥ 0.098, d ≤ −6.2", size, left.minAway, left.d)
		}
		if right.away7 < 0.06 || right.d < 2 {
			t.Errorf("%d frame: right at 320 input: mean %+.3f d %+.1f; measured ≥ +0.080, d ≥ 2.4", size, right.away7, right.d)
		}
		if right.minAway > right.maxDev {
			t.Errorf("%d frame: right at 320 input now separates frame by frame (min %+.3f > centre %.3f): update MEASUREMENTS.md",
				size, right.minAway, right.maxDev)
		}
	}
}

// TestYawDoesNotSeeEyeOnlyGlances: the head stays still in these takes, so
// Yaw is no use for them (measured shift ≤ 0.008 at 640 input, within its
// own centre noise, σ ≤ 0.012); it is the signal for head turns instead.
func TestYawDoesNotSeeEyeOnlyGlances(t *testing.T) {
	for _, size := range frameSizes {
		for _, s := range seqs {
			r := separate(s, measure(t, s, size, recommendedInput), yaw)
			if r.sd > 0.02 || r.maxDev > 0.03 {
				t.Errorf("%s/%d: yaw centre noise σ %.3f max %.3f; measured σ ≤ 0.012, max ≤ 0.022", short(s), size, r.sd, r.maxDev)
			}
			if s.dir != 0 && math.Abs(r.away7) > 0.02 {
				t.Errorf("%s/%d: yaw moved %+.3f on an eye-only glance; measured ≤ 0.008", short(s), size, r.away7)
			}
		}
	}
}

// TestOtherPeople: frontal faces of other people all read (both pupils),
// with absolute GazeX spread over −0.092…+0.060: wider than the shift that
// means "looking aside" for one person. A fixed absolute threshold cannot
// work; only the shift from the student's own baseline does.
func TestOtherPeople(t *testing.T) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, name := range oneFaceStills {
		rel := "webcam640/" + name
		img, fs := detectFaces(t, rel, recommendedInput)
		if len(fs) != 1 {
			t.Fatalf("%s: %d faces", rel, len(fs))
		}
		p := Estimate(img, fs[0])
		if !p.OK || p.Pupils != 2 {
			t.Errorf("%s: %+v, want OK with 2 pupils", rel, p)
			continue
		}
		// The models README: frontal faces of many people stay ≤ 0.26.
		if math.Abs(float64(p.Yaw)) > 0.26 {
			t.Errorf("%s: |Yaw| %.3f > 0.26 on a frontal face", rel, p.Yaw)
		}
		lo, hi = math.Min(lo, float64(p.GazeX)), math.Max(hi, float64(p.GazeX))
	}
	if hi-lo <= proctor.DefaultGazeShift {
		t.Errorf("GazeX across people spans %.3f (%+.3f…%+.3f); measured 0.152, wider than proctor.DefaultGazeShift", hi-lo, lo, hi)
	}
}

// TestImageTypes: the fast paths for Gray, RGBA and NRGBA, the generic
// path, and a sub-image with a non-zero origin read the same pixels as
// the YCbCr path (JPEG's Y is BT.601 luma, and so is the conversion; the
// RGB round trip costs a level or so).
func TestImageTypes(t *testing.T) {
	img, fs := detectFaces(t, "frames/eyes_center5_left5_center5/f08_640.jpg", recommendedInput)
	if len(fs) != 1 {
		t.Fatalf("%d faces", len(fs))
	}
	f := fs[0]
	want := Estimate(img, f)
	if !want.OK || want.Pupils != 2 {
		t.Fatalf("YCbCr: %+v", want)
	}
	b := img.Bounds()
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, img, b.Min, draw.Src)
	nrgba := image.NewNRGBA(b)
	draw.Draw(nrgba, b, img, b.Min, draw.Src)
	gray := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			yy := img.(*image.YCbCr).Y[img.(*image.YCbCr).YOffset(x, y)]
			gray.SetGray(x, y, color.Gray{Y: yy})
		}
	}
	// A sub-image that still holds the whole face, so its Min is not 0.
	sub := img.(*image.YCbCr).SubImage(image.Rect(100, 20, 600, 460))
	cases := []struct {
		name string
		img  image.Image
		tol  float32
	}{
		{"Gray", gray, 1e-6},
		{"SubImage", sub, 1e-6},
		{"RGBA", rgba, 0.01},
		{"NRGBA", nrgba, 0.01},
		{"generic", opaque{rgba}, 0.01},
	}
	for _, c := range cases {
		got := Estimate(c.img, f)
		if !got.OK || got.Pupils != want.Pupils || got.Yaw != want.Yaw ||
			absf(got.GazeX-want.GazeX) > c.tol || absf(got.GazeY-want.GazeY) > c.tol {
			t.Errorf("%s: %+v, want %+v (±%g)", c.name, got, want, c.tol)
		}
	}
}

// opaque hides the concrete type so Estimate takes the generic At path.
type opaque struct{ image.Image }

func absf(x float32) float32 { return float32(math.Abs(float64(x))) }

// realFace returns a frame and its face, for the bad-input tests.
func realFace(t *testing.T) (image.Image, face.Face) {
	img, fs := detectFaces(t, "frames/eyes_center_10s/f01_640.jpg", recommendedInput)
	if len(fs) != 1 {
		t.Fatalf("%d faces", len(fs))
	}
	return img, fs[0]
}

func TestBadInput(t *testing.T) {
	img, f := realFace(t)
	re, le := f.Landmarks[0], f.Landmarks[1]

	withEyes := func(a, b face.Point) face.Face {
		g := f
		g.Landmarks[0], g.Landmarks[1] = a, b
		return g
	}
	scaled := func(k float32) face.Face { // the face shrunk about its nose
		g := f
		n := f.Landmarks[2]
		for i, p := range g.Landmarks {
			g.Landmarks[i] = face.Point{X: n.X + (p.X-n.X)*k, Y: n.Y + (p.Y-n.Y)*k}
		}
		g.X, g.Y, g.W, g.H = n.X+(f.X-n.X)*k, n.Y+(f.Y-n.Y)*k, f.W*k, f.H*k
		return g
	}
	shifted := func(dx, dy float32) face.Face {
		g := f
		for i := range g.Landmarks {
			g.Landmarks[i].X += dx
			g.Landmarks[i].Y += dy
		}
		g.X += dx
		g.Y += dy
		return g
	}
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	shortY := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
	shortY.Y = shortY.Y[:1000]
	shortRGBA := image.NewRGBA(image.Rect(0, 0, 640, 480))
	shortRGBA.Pix = shortRGBA.Pix[:len(shortRGBA.Pix)-1]
	badStride := image.NewGray(image.Rect(0, 0, 640, 480))
	badStride.Stride = 0

	cases := []struct {
		name    string
		img     image.Image
		f       face.Face
		wantYaw bool // Yaw still reported (the landmark geometry is sound)
	}{
		{"nil image", nil, f, true},
		{"typed nil YCbCr", (*image.YCbCr)(nil), f, true},
		{"typed nil Paletted", (*image.Paletted)(nil), f, true},
		{"empty image", image.NewGray(image.Rect(0, 0, 0, 0)), f, true},
		{"short Y plane", shortY, f, true},
		{"short RGBA buffer", shortRGBA, f, true},
		{"zero stride", badStride, f, true},
		{"zero face", img, face.Face{}, false},
		{"both eyes at one point", img, withEyes(re, re), false},
		{"eyes 2 px apart", img, withEyes(re, face.Point{X: re.X + 2, Y: re.Y}), false},
		{"NaN eye", img, withEyes(face.Point{X: nan, Y: re.Y}, le), false},
		{"Inf eye", img, withEyes(re, face.Point{X: inf, Y: le.Y}), false},
		{"NaN nose", img, func() face.Face { g := f; g.Landmarks[2].X = nan; return g }(), false},
		{"huge coordinates", img, withEyes(face.Point{X: 1e30, Y: 1e30}, face.Point{X: 1e30 + 1e25, Y: 1e30}), false},
		{"tiny face (iod 15 px)", img, scaled(15 / float32(math.Hypot(float64(le.X-re.X), float64(le.Y-re.Y)))), true},
		{"face off the left edge", img, shifted(-260, 0), true},
		{"face off the bottom edge", img, shifted(0, 250), true},
		{"face entirely outside", img, shifted(2000, 2000), true},
		{"eye window cut by a sub-image", img.(*image.YCbCr).SubImage(image.Rect(int(re.X), 0, 640, 480)), f, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Estimate(c.img, c.f)
			if p.OK || p.Pupils != 0 || p.GazeX != 0 || p.GazeY != 0 {
				t.Errorf("got %+v, want OK false and no gaze", p)
			}
			if !c.wantYaw && p.Yaw != 0 {
				t.Errorf("Yaw %v from unsound landmarks, want 0", p.Yaw)
			}
			if c.wantYaw && p.Yaw == 0 {
				t.Errorf("Yaw 0, want it reported from sound landmarks")
			}
		})
	}
}

// TestNoPupil: a usable face region with nothing dark in it (closed eyes,
// a photo of skin) is OK but has no pupils and no gaze.
func TestNoPupil(t *testing.T) {
	_, f := realFace(t)
	flat := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	p := Estimate(flat, f)
	if !p.OK || p.Pupils != 0 || p.GazeX != 0 || p.GazeY != 0 {
		t.Errorf("flat image: %+v, want OK with 0 pupils", p)
	}
}

// TestSynthetic checks the sign conventions on a drawn eye pair: dark
// discs on a light face, moved right of the landmarks, give GazeX > 0, and
// a nose right of the eye midpoint gives Yaw > 0.
func TestSynthetic(t *testing.T) {
	const iod = 100
	re, le := face.Point{X: 270, Y: 200}, face.Point{X: 270 + iod, Y: 200}
	for _, shift := range []float32{-8, 0, 8} {
		img := image.NewGray(image.Rect(0, 0, 640, 480))
		for i := range img.Pix {
			img.Pix[i] = 180
		}
		for _, c := range []face.Point{re, le} {
			cx, cy := c.X+shift, c.Y+7
			for y := int(cy - 10); y <= int(cy+10); y++ {
				for x := int(cx - 10); x <= int(cx+10); x++ {
					if dx, dy := float32(x)+0.5-cx, float32(y)+0.5-cy; dx*dx+dy*dy <= 81 {
						img.Pix[img.PixOffset(x, y)] = 30
					}
				}
			}
		}
		f := face.Face{X: 220, Y: 120, W: 200, H: 260, Score: 0.9,
			Landmarks: [5]face.Point{re, le, {X: 330, Y: 260}, {X: 290, Y: 310}, {X: 350, Y: 310}}}
		p := Estimate(img, f)
		if !p.OK || p.Pupils != 2 {
			t.Fatalf("shift %v: %+v", shift, p)
		}
		if want := shift / iod; absf(p.GazeX-want) > 0.01 || absf(p.GazeY-0.07) > 0.01 {
			t.Errorf("shift %v: GazeX %+.3f GazeY %+.3f, want %+.3f, +0.070", shift, p.GazeX, p.GazeY, want)
		}
		if absf(p.Yaw-0.1) > 1e-6 {
			t.Errorf("Yaw %v, want +0.1", p.Yaw)
		}
	}
}

// TestNeverPanics throws random landmarks, including wild ones, at a real
// frame and at small images.
func TestNeverPanics(t *testing.T) {
	img, f := realFace(t)
	rng := rand.New(rand.NewPCG(1, 2))
	small := image.NewRGBA(image.Rect(-5, -5, 30, 20))
	for range 20000 {
		g := f
		for i := range g.Landmarks {
			switch rng.IntN(10) {
			case 0:
				g.Landmarks[i] = face.Point{X: rng.Float32()*4000 - 2000, Y: rng.Float32()*4000 - 2000}
			case 1:
				g.Landmarks[i] = face.Point{X: float32(rng.NormFloat64() * 1e9), Y: -0.5}
			default:
				g.Landmarks[i].X += float32(rng.NormFloat64() * 60)
				g.Landmarks[i].Y += float32(rng.NormFloat64() * 60)
			}
		}
		Estimate(img, g)
		Estimate(small, g)
	}
}

func FuzzEstimate(f *testing.F) {
	f.Add(float32(258), float32(218), float32(364), float32(209), float32(319), float32(270))
	f.Add(float32(0), float32(0), float32(0), float32(0), float32(0), float32(0))
	f.Add(float32(630), float32(470), float32(660), float32(470), float32(640), float32(480))
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, nx, ny float32) {
		p := Estimate(img, face.Face{Landmarks: [5]face.Point{{X: x0, Y: y0}, {X: x1, Y: y1}, {X: nx, Y: ny}}})
		if !p.OK && (p.Pupils != 0 || p.GazeX != 0 || p.GazeY != 0) {
			t.Errorf("not OK but gaze set: %+v", p)
		}
		if p.Pupils < 0 || p.Pupils > 2 {
			t.Errorf("Pupils %d", p.Pupils)
		}
	})
}

// TestScenarioLookingAway replays shared/scenarios/04-looking-away.json
// (the LEFT take then the RIGHT take, 640 frames, one baseline for both)
// with the recommendation. Measured: flags at t=6–9 s and t=21–24 s, none
// elsewhere. The takes were filmed separately, so one baseline for both
// leaves little room: largest centre |Δ| 0.062 (the RIGHT take's f01),
// smallest look-aside |Δ| 0.077 (its f07), either side of 0.07. A baseline
// refreshed within each take widens that (TestLiveReplay).
func TestScenarioLookingAway(t *testing.T) {
	var all []sample
	var truth []bool // looking aside
	for _, s := range seqs[1:] {
		for _, x := range measure(t, s, 640, recommendedInput) {
			all = append(all, x)
			truth = append(truth, s.away(x.i))
		}
	}
	var b []float64
	for _, x := range all[:BaselineFrames] {
		b = append(b, float64(x.pose.GazeX))
	}
	base := median(b)
	var line []byte
	maxCentre, minAside := 0.0, math.Inf(1)
	for k, x := range all {
		d := float64(x.pose.GazeX) - base
		flagged := math.Abs(d) > proctor.DefaultGazeShift
		if k >= BaselineFrames && !truth[k] {
			maxCentre = math.Max(maxCentre, math.Abs(d))
		}
		if truth[k] && x.i >= 7 {
			minAside = math.Min(minAside, math.Abs(d))
		}
		c := byte('.')
		if flagged {
			c = 'X'
		}
		line = append(line, c)
		sec := k // one frame a second from t=0
		switch {
		case k >= BaselineFrames && !truth[k] && flagged:
			t.Errorf("t=%ds (centre): Δ %+.3f flagged", sec, d)
		case truth[k] && x.i >= 7 && !flagged:
			t.Errorf("t=%ds (looking aside): Δ %+.3f not flagged", sec, d)
		}
	}
	t.Logf("baseline %+.3f, flags by second: %s; largest centre |Δ| %.3f, smallest look-aside |Δ| %.3f",
		base, line, maxCentre, minAside)
}
