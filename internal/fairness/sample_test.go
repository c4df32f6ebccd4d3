package fairness

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	cases := []struct {
		name string
		want Label
		ok   bool
	}{
		{"26_0_1_20170104170637953.jpg.chip.jpg", Label{26, false, Black}, true},
		{"75_1_4_20170104170637953.jpg.chip.jpg", Label{75, true, Others}, true},
		{"18_1_0_2017.jpg", Label{18, true, White}, true},
		{"61_1_20170109142408075.jpg.chip.jpg", Label{}, false}, // a field missing (two such files exist)
		{"30_2_0_2017.jpg", Label{}, false},                     // no gender 2
		{"30_0_5_2017.jpg", Label{}, false},                     // no race 5
		{"x_0_1_2017.jpg", Label{}, false},
		{"-3_0_1_2017.jpg", Label{}, false},
		{"", Label{}, false},
	}
	for _, c := range cases {
		got, ok := ParseName(c.name)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// writeTinyJPEG writes an 8x8 JPEG: the sampling tests need real files,
// not faces.
func writeTinyJPEG(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, nil); err != nil {
		t.Fatal(err)
	}
}

// fakeSource builds a directory shaped like the source repository: per
// group and gender, perCell adults with ages spread over 18–75, plus
// children, people over 75, malformed names, a non-JPEG file, and
// data/random_200 repeating some names (as the real one does) and adding
// one new adult Black woman.
func fakeSource(t *testing.T, perCell int) string {
	t.Helper()
	dir := t.TempDir()
	images := filepath.Join(dir, "data", "images")
	for g := range NumGroups {
		for gender := range 2 {
			for k := range perCell {
				age := MinAge + k*(MaxAge-MinAge)/max(1, perCell-1)
				writeTinyJPEG(t, filepath.Join(images, fmt.Sprintf("%d_%d_%d_2017010%d%04d.jpg.chip.jpg", age, gender, g, gender, k)))
			}
			writeTinyJPEG(t, filepath.Join(images, fmt.Sprintf("17_%d_%d_20170101.jpg.chip.jpg", gender, g)))
			writeTinyJPEG(t, filepath.Join(images, fmt.Sprintf("76_%d_%d_20170101.jpg.chip.jpg", gender, g)))
		}
	}
	writeTinyJPEG(t, filepath.Join(images, "61_1_20170109142408075.jpg.chip.jpg"))
	writeTinyJPEG(t, filepath.Join(images, "40_3_1_20170109.jpg.chip.jpg"))
	if err := os.WriteFile(filepath.Join(images, "README.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	r200 := filepath.Join(dir, "data", "random_200", "females", "black")
	writeTinyJPEG(t, filepath.Join(r200, fmt.Sprintf("%d_1_1_20170101%04d.jpg.chip.jpg", MinAge, 0))) // a repeat
	writeTinyJPEG(t, filepath.Join(r200, "44_1_1_20179999.jpg.chip.jpg"))                             // new
	return dir
}

func TestBuildSetSampling(t *testing.T) {
	const perCell, perGroup = 6, 4
	src := fakeSource(t, perCell)
	set, err := BuildSet(Options{SourceDir: src, PerGroup: perGroup})
	if err != nil {
		t.Fatal(err)
	}
	if set.Opts.Seed != DefaultSeed {
		t.Errorf("seed %d, want the default %d", set.Opts.Seed, DefaultSeed)
	}
	if len(set.Samples) != NumGroups*perGroup {
		t.Fatalf("%d samples, want %d", len(set.Samples), NumGroups*perGroup)
	}
	var counts [NumGroups][2]int
	seen := map[string]bool{}
	for _, s := range set.Samples {
		if s.Age < MinAge || s.Age > MaxAge {
			t.Errorf("%s: age %d outside %d–%d", s.Name, s.Age, MinAge, MaxAge)
		}
		if seen[s.Name] {
			t.Errorf("%s sampled twice", s.Name)
		}
		seen[s.Name] = true
		if l, ok := ParseName(s.Name); !ok || l != s.Label || filepath.Base(s.Path) != s.Name {
			t.Errorf("sample %+v does not match its file name", s)
		}
		gi := 0
		if s.Female {
			gi = 1
		}
		counts[s.Group][gi]++
	}
	for g := range NumGroups {
		if counts[g][0] != perGroup/2 || counts[g][1] != perGroup/2 {
			t.Errorf("%s: %d men, %d women; want %d each", Group(g), counts[g][0], counts[g][1], perGroup/2)
		}
	}
	// Eligible: perCell adults per cell; the random_200 repeat counts once,
	// its new adult Black woman adds one; children, over-75s and the
	// two malformed names are out.
	for g := range NumGroups {
		for gi := range 2 {
			want := perCell
			if Group(g) == Black && gi == 1 {
				want++
			}
			if set.Available[g][gi] != want {
				t.Errorf("%s gender %d: %d eligible, want %d", Group(g), gi, set.Available[g][gi], want)
			}
		}
	}
	if set.Skipped != 2 {
		t.Errorf("skipped %d malformed names, want 2", set.Skipped)
	}
	// Samples are ordered by group, women first.
	if !slices.IsSortedFunc(set.Samples, func(a, b Sample) int {
		return int(a.Group)*2 - int(b.Group)*2 + boolInt(!a.Female) - boolInt(!b.Female)
	}) {
		t.Error("samples not ordered by group, then women before men")
	}

	// The same options give the same set; another seed another one.
	again, err := BuildSet(Options{SourceDir: src, PerGroup: perGroup})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Samples, again.Samples) {
		t.Error("two builds with the same seed differ")
	}
	other, err := BuildSet(Options{SourceDir: src, PerGroup: perGroup, Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	if sameNames(set.Samples, other.Samples) {
		t.Error("seed 99 sampled the same faces as the default seed")
	}
	for i := range set.Samples {
		if set.Samples[i].Name == other.Samples[i].Name && set.Samples[i].Layout == other.Samples[i].Layout {
			t.Fatalf("%s: same layout under two seeds", set.Samples[i].Name)
		}
	}

	// An odd number per group gives the extra face to men.
	odd, err := BuildSet(Options{SourceDir: src, PerGroup: 5})
	if err != nil {
		t.Fatal(err)
	}
	women := 0
	for _, s := range odd.Samples {
		women += boolInt(s.Female)
	}
	if len(odd.Samples) != 25 || women != 10 {
		t.Errorf("PerGroup 5: %d samples, %d women; want 25, 10", len(odd.Samples), women)
	}
}

func TestBuildSetErrors(t *testing.T) {
	src := fakeSource(t, 3)
	if _, err := BuildSet(Options{SourceDir: src, PerGroup: 8}); err == nil ||
		!strings.Contains(err.Error(), "need 4") {
		t.Errorf("too few faces: err %v", err)
	}
	if _, err := BuildSet(Options{SourceDir: t.TempDir()}); err == nil {
		t.Error("empty source folder: no error")
	}
	if _, err := BuildSet(Options{SourceDir: src, PerGroup: 2, MediaDir: t.TempDir()}); err == nil {
		t.Error("media folder without the no-face frames: no error")
	}
}

func TestBuildSetMedia(t *testing.T) {
	set, err := BuildSet(Options{SourceDir: fakeSource(t, 2), PerGroup: 2, MediaDir: repoMedia})
	if err != nil {
		t.Fatal(err)
	}
	// The repository's copy has webcam320/ only: desk, black, 31 desk frames.
	if len(set.NoFace) != 33 {
		t.Errorf("%d no-face frames in %s, want 33", len(set.NoFace), repoMedia)
	}
	if len(set.Stills) != 0 {
		t.Errorf("%d stills; the repository's media has no groundtruth.tsv", len(set.Stills))
	}
}

// TestLayouts checks that the layouts stay in the ranges of FAIRNESS.md and
// spread over them.
func TestLayouts(t *testing.T) {
	lo := Layout{Side: 1, CX: 1, CY: 1}
	var hi Layout
	for i := range 2000 {
		l := layoutFor(DefaultSeed, fmt.Sprintf("%d_0_0_x.jpg", i))
		if l.Side < 0.35 || l.Side > 0.50 || l.CX < 0.40 || l.CX > 0.60 || l.CY < 0.40 || l.CY > 0.50 {
			t.Fatalf("layout %+v outside the ranges", l)
		}
		lo = Layout{Side: min(lo.Side, l.Side), CX: min(lo.CX, l.CX), CY: min(lo.CY, l.CY)}
		hi = Layout{Side: max(hi.Side, l.Side), CX: max(hi.CX, l.CX), CY: max(hi.CY, l.CY)}
	}
	if lo.Side > 0.352 || hi.Side < 0.498 || lo.CX > 0.402 || hi.CX < 0.598 || lo.CY > 0.401 || hi.CY < 0.499 {
		t.Errorf("layouts do not cover the ranges: min %+v, max %+v", lo, hi)
	}
	if layoutFor(1, "a") != layoutFor(1, "a") || layoutFor(1, "a") == layoutFor(2, "a") || layoutFor(1, "a") == layoutFor(1, "b") {
		t.Error("layouts are not a function of seed and name")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sameNames(a, b []Sample) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name {
			return false
		}
	}
	return true
}

// uniform returns a w x h image of one colour.
func uniform(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	return img
}
