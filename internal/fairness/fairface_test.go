package fairness

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"image"
	"image/jpeg"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/onnxrt"
	"vigil/internal/proctor"
)

// fairFaceDir is the shared FairFace sample (CC BY 4.0, 572 adult faces in
// seven groups; ../shared/fairface/SOURCES.md). It is read in place, never
// copied into the repository.
const fairFaceDir = "../../../shared/fairface"

// The guard of docs/FAIRNESS.md: the production frame path must find the
// centred face of every group at least this often, normal and dim, and the
// groups may differ by at most this many points. FAIRNESS.md's target is
// ≥ 97 % per group; one image is about 1.2 points of a group, so the
// ceiling lets two groups differ by two images. Measured on 2026-12-03:
// 100 % for every group normal (gap 0), 98.8–100 % dim (gap 1.2); with
// YuNet's threshold raised to 0.95 the test fails (96.3 % normal, 84.1 %
// dim for the worst group, gaps 3.7 and 12.1).
const (
	fairFaceFloor     = 0.97 // per group and light
	fairFaceGapPoints = 2.5  // best group minus worst, per light
)

// fairFaceDimQuality is the JPEG quality the dimmed frames are encoded at:
// the production path reads JPEGs, as a webcam client sends them.
const fairFaceDimQuality = 85

type fairFaceSample struct {
	file, group string
}

// TestFairFaceProductionPath runs every FairFace image through the frame
// analysis a server runs (analysis.Models.Frames: YuNet, UltraFace as a
// second opinion where YuNet finds nobody), once as it is and once dimmed
// as `vigil fairness` dims (every channel x DimFactor), and fails when a
// group's rate of "the centred face is found" falls below fairFaceFloor or
// the gap between groups exceeds fairFaceGapPoints.
func TestFairFaceProductionPath(t *testing.T) {
	samples := readFairFace(t, fairFaceDir)
	models := analysis.NewModels(1, analysis.ModelFiles{RuntimeLib: onnxrt.LoadedPath()})
	t.Cleanup(func() { _ = models.Close() })
	frames := models.Frames()
	ctx := context.Background()

	type tally struct{ found, total int }
	counts := map[Light]map[string]*tally{Normal: {}, Dim: {}}
	start := time.Now()
	var missed []string
	for _, s := range samples {
		data, err := os.ReadFile(filepath.Join(fairFaceDir, s.file))
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		dim, err := dimJPEG(img)
		if err != nil {
			t.Fatal(err)
		}
		for _, shot := range []struct {
			light Light
			data  []byte
		}{{Normal, data}, {Dim, dim}} {
			// A fresh tracker: every image is a first frame, so nothing is
			// reused from the previous student's face.
			sig, err := frames.Analyze(ctx, &analysis.Tracker{}, &proctor.Frame{Seq: 1}, shot.data)
			if err != nil {
				t.Fatalf("%s: %v", s.file, err)
			}
			if !sig.OK {
				t.Fatalf("%s %s: frame not analysed: %s", s.file, shot.light, sig.Error)
			}
			c := counts[shot.light][s.group]
			if c == nil {
				c = &tally{}
				counts[shot.light][s.group] = c
			}
			c.total++
			if centredFaceFound(sig.Boxes, img.Bounds()) {
				c.found++
			} else {
				missed = append(missed, s.file+" ("+shot.light.String()+")")
			}
		}
	}
	t.Logf("%d images, normal and dim, in %.1f s", len(samples), time.Since(start).Seconds())
	if len(missed) > 0 {
		t.Logf("centred face missed on: %v", missed)
	}
	for _, light := range []Light{Normal, Dim} {
		groups := make([]string, 0, len(counts[light]))
		for g := range counts[light] {
			groups = append(groups, g)
		}
		slices.Sort(groups)
		best, worst := 0.0, 1.0
		for _, g := range groups {
			c := counts[light][g]
			rate := float64(c.found) / float64(c.total)
			best, worst = max(best, rate), min(worst, rate)
			t.Logf("%-6s %-16s %3d/%3d = %5.1f %%", light, g, c.found, c.total, 100*rate)
			if rate < fairFaceFloor {
				t.Errorf("%s light, %s: centred face found in %.1f %% of images, floor %.0f %%", light, g, 100*rate, 100*fairFaceFloor)
			}
		}
		gap := 100 * (best - worst)
		t.Logf("%-6s gap %.1f points", light, gap)
		if gap > fairFaceGapPoints {
			t.Errorf("%s light: gap between groups %.1f points, ceiling %.1f", light, gap, fairFaceGapPoints)
		}
	}
}

// readFairFace reads LABELS.csv. A missing folder fails the test, in CI
// (CI=true) as everywhere, like the other tests of the shared media: a
// guard that silently does not run would pass by testing nothing.
func readFairFace(t *testing.T, dir string) []fairFaceSample {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "LABELS.csv"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the FairFace sample is missing (%s, CI=%q): the shared folder must be beside the repository", dir, os.Getenv("CI"))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || !slices.Equal(rows[0][:2], []string{"file", "race"}) {
		t.Fatalf("LABELS.csv: unexpected header %v", rows[0])
	}
	var out []fairFaceSample
	for _, r := range rows[1:] {
		out = append(out, fairFaceSample{file: r[0], group: r[1]})
	}
	return out
}

// centredFaceFound reports whether a box is the face the crop is centred on.
// The FairFace crops (dlib face chips, padding 1.25) put the face near the
// image centre, about a third of the side across. As in Matches, the box's
// centre must lie within a quarter of the side of the image's centre (a
// second person at the edge of the crop lies further out) and its size,
// the geometric mean of width and height, within 1/6 to 2/3 of the side.
// The square crops are stretched to the detector's 4:3 input, so boxes come
// back taller than wide; the geometric mean absorbs that.
func centredFaceFound(boxes []proctor.FaceBox, b image.Rectangle) bool {
	side := float64(min(b.Dx(), b.Dy()))
	cx, cy := float64(b.Min.X+b.Dx()/2), float64(b.Min.Y+b.Dy()/2)
	for _, f := range boxes {
		fx, fy := float64(f.X+f.W/2), float64(f.Y+f.H/2)
		if math.Hypot(fx-cx, fy-cy) > side/4 {
			continue
		}
		size := math.Sqrt(float64(f.W * f.H))
		if size >= side/6 && size <= side/1.5 {
			return true
		}
	}
	return false
}

// dimJPEG dims the image as the fairness set's dim frames are dimmed
// (quantize with DimFactor) and encodes it as a JPEG.
func dimJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, Dimmed(img), &jpeg.Options{Quality: fairFaceDimQuality})
	return buf.Bytes(), err
}
