package fairness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigil/internal/analysis/face"
)

// repoMedia is the repository's own copy of the copyable media (webcam320/
// and frames/), seen from this package's directory.
const repoMedia = "../../media"

// scripted answers in the order MeasureAll shows frames: for each sample,
// the conditions in their documented order (640 normal, 320 normal, 640 dim,
// 320 dim). Media frames (JPEG-decoded, so *image.YCbCr, while synthesised
// frames are *image.RGBA) get media's answer.
type scripted struct {
	set    *Set
	calls  int
	answer func(s Sample, width int, light Light, t Truth) []face.Face
	media  func() []face.Face
}

func (d *scripted) Detect(img image.Image) ([]face.Face, error) {
	if _, ok := img.(*image.RGBA); !ok {
		if d.media == nil {
			return nil, nil
		}
		return d.media(), nil
	}
	s := d.set.Samples[d.calls/len(conditions)]
	c := conditions[d.calls%len(conditions)]
	d.calls++
	return d.answer(s, c.width, c.light, truthFor(s.Layout, c.width)), nil
}

// onFace returns a face-like box on the truth: a bit smaller, a bit low.
func onFace(t Truth) face.Face {
	w, h := 0.7*t.Side, 0.8*t.Side
	return face.Face{X: float32(t.CX - w/2), Y: float32(t.CY + 0.05*t.Side - h/2), W: float32(w), H: float32(h), Score: 0.9}
}

// TestMeasureAndCompareScripted checks the bookkeeping of MeasureAll,
// Compare and the markdown with detectors whose answers are known.
func TestMeasureAndCompareScripted(t *testing.T) {
	set, err := BuildSet(Options{SourceDir: fakeSource(t, 3), PerGroup: 2, MediaDir: repoMedia})
	if err != nil {
		t.Fatal(err)
	}
	mediaBox := face.Face{X: 10, Y: 10, W: 50, H: 60, Score: 0.8}
	primary := &scripted{set: set,
		// Misses Black faces in dim light; a stray box on White at 640 normal.
		answer: func(s Sample, width int, light Light, tr Truth) []face.Face {
			if s.Group == Black && light == Dim {
				return nil
			}
			if s.Group == White && width == 640 && light == Normal {
				return []face.Face{onFace(tr), {X: 0, Y: 0, W: 30, H: 30, Score: 0.65}}
			}
			return []face.Face{onFace(tr)}
		},
		media: func() []face.Face { return []face.Face{mediaBox} },
	}
	second := &scripted{set: set,
		// Misses Asian faces everywhere.
		answer: func(s Sample, _ int, _ Light, tr Truth) []face.Face {
			if s.Group == Asian {
				return nil
			}
			f := onFace(tr)
			f.X += 2
			return []face.Face{f}
		},
	}
	rs, err := MeasureAll(context.Background(), set, []Named{{"P", primary}, {"S", second}})
	if err != nil {
		t.Fatal(err)
	}
	p, s := rs[0], rs[1]
	for c, cond := range p.Conditions {
		for g := range NumGroups {
			want := 2
			if Group(g) == Black && cond.Light == Dim {
				want = 0
			}
			if cell := cond.Groups[g]; cell.Found != want || cell.Total != 2 {
				t.Errorf("P %s %s: %d/%d, want %d/2", cond.Label(), Group(g), cell.Found, cell.Total, want)
			}
		}
		wantGap, wantStray := 0.0, 0
		if cond.Light == Dim {
			wantGap = 100
		}
		if c == 0 {
			wantStray = 2
		}
		if cond.Gap != wantGap || cond.StrayBoxes != wantStray || cond.StrayFrames != wantStray {
			t.Errorf("P %s: gap %v, stray %d in %d frames; want %v, %d", cond.Label(), cond.Gap, cond.StrayBoxes, cond.StrayFrames, wantGap, wantStray)
		}
		if a := s.Conditions[c].Groups[Asian]; a.Found != 0 || s.Conditions[c].All.Found != 8 {
			t.Errorf("S %s: Asian %d, all %d; want 0, 8", cond.Label(), a.Found, s.Conditions[c].All.Found)
		}
	}
	if p.NoFace.Frames != 33 || p.NoFace.Fired != 33 || p.NoFace.Boxes != 33 || s.NoFace.Fired != 0 {
		t.Errorf("no-face: P %+v, S fired %d", p.NoFace, s.NoFace.Fired)
	}

	so, err := Compare(set, p, s)
	if err != nil {
		t.Fatal(err)
	}
	for c, ca := range so.Conditions {
		dim := ca.Light == Dim
		b, a, w := ca.Groups[Black], ca.Groups[Asian], ca.Groups[White]
		if dim && (b.PrimaryMissed != 2 || b.Rescued != 2) || !dim && b.PrimaryMissed != 0 {
			t.Errorf("%s Black: primary missed %d, rescued %d", ca.Label(), b.PrimaryMissed, b.Rescued)
		}
		if a.SecondMissed != 2 || a.RescuedByPrimary != 2 || a.CountDiffer != 2 {
			t.Errorf("%s Asian: %+v", ca.Label(), a)
		}
		if wantW := map[bool]int{true: 2, false: 0}[c == 0]; w.CountDiffer != wantW {
			t.Errorf("%s White: count differs on %d, want %d", ca.Label(), w.CountDiffer, wantW)
		}
		wantAgreed := 8 // Asian missing from the second
		if dim {
			wantAgreed = 6 // and Black from the primary
		}
		if ca.All.Agreed.Found != wantAgreed || ca.All.Either.Found != 10 || ca.EitherGap != 0 || ca.AgreedGap != 100 {
			t.Errorf("%s: agreed %d, either %d, gaps %v/%v", ca.Label(), ca.All.Agreed.Found, ca.All.Either.Found, ca.AgreedGap, ca.EitherGap)
		}
		if c == 0 && (ca.PrimaryStray != 2 || ca.ConfirmedStray != 0) {
			t.Errorf("%s: stray %d, confirmed %d; want 2, 0", ca.Label(), ca.PrimaryStray, ca.ConfirmedStray)
		}
	}
	if so.NoFaceFrames != 33 || so.PrimaryFired != 33 || so.SecondFired != 0 || so.AgreedFired != 0 {
		t.Errorf("no-face comparison: %+v", so)
	}

	var buf bytes.Buffer
	if err := WriteSet(&buf, set); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&buf, p, s); err != nil {
		t.Fatal(err)
	}
	if err := WriteSecondOpinion(&buf, so); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"| group | 640 normal | 320 normal | 640 dim | 320 dim |",
		"| Black | 100.0 (2/2; 34.2–100.0) | 100.0 (2/2; 34.2–100.0) | 0.0 (0/2; 0.0–65.8) | 0.0 (0/2; 0.0–65.8) |",
		"| gap (points) | 0.0 | 0.0 | 100.0 | 100.0 |",
		"| stray boxes (frames) | 2 (2) | 0 (0) | 0 (0) | 0 (0) |",
		"| P | 0.0 (Black, 640 dim) | 100.0 (640 dim) | 33 of 33 | 2 in 40 frames | – |",
		"No-face media: fires on 33 of 33 frames (33 boxes): `webcam320/desk_empty_320.jpg` (1, best 0.80)",
		"Missed 2 distinct faces: ",
		"| Black | 0 (0) | 0 (0) | 2 (2) | 2 (2) |",
		"| Asian | 2 (2) | 2 (2) | 2 (2) | 2 (2) |",
		"No-face media (33 frames): P fires on 33, S on 0, both agreeing on 0.",
		"| Black | 1 (4) | 1 (3) |", // WriteSet: 3 adults per cell, one more Black woman in random_200
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log("\n" + md)
	}

	// Results of different sets do not compare.
	if _, err := Compare(set, p, Result{Detector: "other"}); err == nil {
		t.Error("Compare of results from different sets: no error")
	}
}

func TestMeasureStops(t *testing.T) {
	set, err := BuildSet(Options{SourceDir: fakeSource(t, 2), PerGroup: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	det := &scripted{set: set, answer: func(Sample, int, Light, Truth) []face.Face { return nil }}
	if _, err := Measure(ctx, set, "x", det); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err %v", err)
	}
	boom := errors.New("boom")
	if _, err := Measure(context.Background(), set, "x", failing{boom}); !errors.Is(err, boom) {
		t.Errorf("failing detector: err %v", err)
	}
}

type failing struct{ err error }

func (f failing) Detect(image.Image) ([]face.Face, error) { return nil, f.err }

// copyableFaces crops the faces of the repository's own media (public
// domain, MIT and Unsplash photos, see media/SOURCES.md) into square chips
// like UTKFace's aligned crops, using YuNet to find them.
func copyableFaces(t *testing.T) []image.Image {
	t.Helper()
	d, err := face.NewDetector(face.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var out []image.Image
	for _, rel := range []string{
		"webcam320/biden_headshoulders.jpg", "webcam320/obama_blueroom_headshoulders.jpg",
		"webcam320/obama_portrait.jpg", "webcam320/pigo_sample.jpg", "webcam320/obama_480p.jpg",
		"frames/eyes_center_10s/f01_320.jpg",
	} {
		img, err := decodeJPEG(filepath.Join(repoMedia, rel))
		if err != nil {
			t.Fatal(err)
		}
		faces, err := d.Detect(img)
		if err != nil || len(faces) != 1 {
			t.Fatalf("%s: %d faces, err %v; want 1", rel, len(faces), err)
		}
		f := faces[0]
		side := int(1.15 * max(f.W, f.H))
		b := img.Bounds()
		side = min(side, b.Dx(), b.Dy())
		x0 := min(max(int(f.X+f.W/2)-side/2, b.Min.X), b.Max.X-side)
		y0 := min(max(int(f.Y+f.H/2)-side/2, b.Min.Y), b.Max.Y-side)
		out = append(out, img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(x0, y0, x0+side, y0+side)))
	}
	return out
}

// copyableSource writes the copyable faces under UTKFace-style names, two
// per group and gender, into a temporary source folder.
func copyableSource(t *testing.T) string {
	t.Helper()
	faces := copyableFaces(t)
	dir := filepath.Join(t.TempDir(), "data", "images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	k := 0
	for g := range NumGroups {
		for gender := range 2 {
			for n := range 2 {
				name := filepath.Join(dir, fmt.Sprintf("%d_%d_%d_20170101%06d.jpg.chip.jpg", 25+35*n, gender, g, k))
				f, err := os.Create(name)
				if err != nil {
					t.Fatal(err)
				}
				if err := jpeg.Encode(f, faces[k%len(faces)], &jpeg.Options{Quality: 92}); err != nil {
					t.Fatal(err)
				}
				f.Close()
				k++
			}
		}
	}
	return filepath.Dir(filepath.Dir(dir))
}

// TestEndToEndYuNet measures YuNet on a small set built from the
// repository's own copyable faces. Measured: every face found under every
// condition, no stray box, no detection on the 33 no-face frames.
func TestEndToEndYuNet(t *testing.T) {
	set, err := BuildSet(Options{SourceDir: copyableSource(t), PerGroup: 2, MediaDir: repoMedia})
	if err != nil {
		t.Fatal(err)
	}
	d, err := face.NewDetector(face.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r, err := Measure(context.Background(), set, "YuNet", d)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Conditions {
		if c.All.Found != len(set.Samples) || c.Gap != 0 || c.StrayBoxes != 0 {
			t.Errorf("%s: found %d of %d, gap %.1f, stray %d", c.Label(), c.All.Found, len(set.Samples), c.Gap, c.StrayBoxes)
		}
	}
	if r.NoFace.Frames != 33 || r.NoFace.Fired != 0 {
		t.Errorf("no-face media: %+v", r.NoFace)
	}
}

// TestRunSynthetic runs the entry point on the copyable set, with the
// runtime already loaded by TestMain (Run must then use it as it is).
func TestRunSynthetic(t *testing.T) {
	var buf bytes.Buffer
	err := Run(context.Background(), Options{SourceDir: copyableSource(t), PerGroup: 2, MediaDir: repoMedia}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"Set: 10 faces (seed 20260501",
		"### " + NameYuNet + "\n", "### " + NameYuNet07 + "\n", "### " + NameYuNet640 + "\n", "### " + NameUltraFace07 + "\n",
		"### " + NameYuNet + " with " + NameUltraFace07 + " as a second opinion",
		"### " + NameYuNet640 + " with " + NameUltraFace07 + " as a second opinion",
		"| all | 100.0 (10/10; 72.2–100.0) | 100.0 (10/10; 72.2–100.0) | 100.0 (10/10; 72.2–100.0) | 100.0 (10/10; 72.2–100.0) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log("\n" + md)
	}
	if err := Run(context.Background(), Options{SourceDir: t.TempDir()}, &buf); err == nil {
		t.Error("Run on an empty source folder: no error")
	}
}
