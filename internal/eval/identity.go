package eval

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"vigil/internal/analysis"
	"vigil/internal/analysis/identity"
	"vigil/internal/fairness"
)

// IdentityOptions configure RunIdentity.
type IdentityOptions struct {
	Media    fs.FS // the shared media (stills/, webcam320/, frames/)
	FairFace fs.FS // the shared FairFace sample: LABELS.csv and <group>/<file>.jpg
	// Identity is the comparison a server runs: the same detector,
	// landmarks, embedding model and threshold.
	Identity *analysis.Identity
}

// person is someone with several pictures in the shared media: the
// same-person pairs. Group is the FairFace group the person would be
// labelled with (our perception, as FairFace's labels are its annotators').
type person struct {
	name, group string
	pictures    []picture
}

// picture is one picture of a person. Pictures of one source are one
// moment (a photo and its resized copy, frames of one clip) and are never
// paired with each other.
type picture struct {
	file   string
	half   int // 0: the whole picture; 1: its left half; 2: its right half
	source string
	webcam bool // a 320x240 webcam frame; otherwise a photo
}

// samePeople are the people of the shared media with several pictures.
var samePeople = func() []person {
	stillsAndFrames := func(src string, half int) []picture {
		return []picture{{file: "stills/" + src + ".jpg", half: half, source: src},
			{file: "webcam320/" + src + ".jpg", half: half, source: src, webcam: true}}
	}
	var obama, biden, proctor []picture
	for _, src := range []string{"obama_480p", "obama_portrait", "obama_blueroom_headshoulders", "obama_partial_face"} {
		obama = append(obama, stillsAndFrames(src, 0)...)
	}
	obama = append(obama, stillsAndFrames("two_people", 1)...)
	biden = append(append(stillsAndFrames("biden_headshoulders", 0), stillsAndFrames("two_people", 2)...),
		stillsAndFrames("derived_biden_dark", 0)...)
	for clip, n := range map[string]int{"eyes_center_10s": 10, "eyes_center5_left5_center5": 15, "eyes_center5_right5_center5": 15} {
		proctor = append(proctor, picture{file: "frames/" + clip + "/f01_640.jpg", source: clip})
		for i := 1; i <= n; i++ {
			proctor = append(proctor, picture{file: fmt.Sprintf("frames/%s/f%02d_320.jpg", clip, i), source: clip, webcam: true})
		}
	}
	slices.SortFunc(proctor, func(a, b picture) int { return cmpString(a.file, b.file) })
	return []person{
		{"Barack Obama (US government photos)", "Black", obama},
		{"Joe Biden (US government photos)", "White", biden},
		{"the Proctoring-AI author (three webcam clips)", "Indian", proctor},
	}
}()

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Pair is one comparison of the evaluation.
type Pair struct {
	A, B       string
	Group      string
	Similarity float64
}

// GroupRates are one FairFace group's error rates. Same-person pairs come
// from the shared media's people (none for most groups); "webcam" pairs
// compare each FairFace photo with itself as a 320x240 webcam frame, in
// normal and dim light (how capture alone moves a score, a lower bound on
// the false rejects of real pairs); different-person pairs are FairFace
// faces of the group against each other.
type GroupRates struct {
	Group          string `json:"group"`
	SamePairs      int    `json:"same_pairs"`
	FalseRejects   int    `json:"false_rejects"`
	WebcamPairs    int    `json:"webcam_pairs"`
	WebcamRejects  int    `json:"webcam_rejects"`
	DimPairs       int    `json:"dim_pairs"`
	DimRejects     int    `json:"dim_rejects"`
	DifferentPairs int    `json:"different_pairs"`
	FalseAccepts   int    `json:"false_accepts"`
}

// IdentityReport is the identity evaluation's result.
type IdentityReport struct {
	Threshold float64      `json:"threshold"`
	Groups    []GroupRates `json:"groups"`
	// SamePerson sums up the same-person pairs of the shared media,
	// DifferentPeople the pairs of different FairFace faces (within and
	// across groups).
	SamePerson      PairStats `json:"same_person"`
	DifferentPeople PairStats `json:"different_people"`
	// NoFace lists the pictures on which no face could be compared.
	NoFace []string `json:"no_face"`
	// Faces is how many FairFace faces were compared.
	Faces int `json:"fairface_faces"`
	// The pairs themselves.
	Same, Different []Pair `json:"-"`
	Webcam, Dim     []Pair `json:"-"`
}

// PairStats sums up a set of pairs: how many, how many the threshold gets
// wrong (false rejects of same-person pairs, false accepts of different
// people) and the spread of their similarity.
type PairStats struct {
	Pairs  int     `json:"pairs"`
	Errors int     `json:"errors"`
	Rate   float64 `json:"rate"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
}

func stats(pairs []Pair, wrong func(float64) bool) PairStats {
	sims := make([]float64, len(pairs))
	var st PairStats
	for i, p := range pairs {
		sims[i] = p.Similarity
		if wrong(p.Similarity) {
			st.Errors++
		}
	}
	if len(sims) == 0 {
		return st
	}
	sort.Float64s(sims)
	st.Pairs = len(sims)
	st.Rate = float64(st.Errors) / float64(st.Pairs)
	st.Min, st.Max = sims[0], sims[len(sims)-1]
	st.Median, st.P99 = sims[len(sims)/2], sims[min(len(sims)-1, len(sims)*99/100)]
	return st
}

// The identity targets, per FairFace group: `vigil eval` fails past them.
const (
	// MaxFalseAccept is the share of pairs of different people of one
	// group that may be taken for one person.
	MaxFalseAccept = 0.01
	// MaxFalseReject is the share of same-person pairs (real pairs, and
	// each photo against itself as a webcam frame, normal and dim) that
	// may be taken for two people.
	MaxFalseReject = 0.05
)

// Check returns an error naming every group past a target.
func (r *IdentityReport) Check() error {
	var past []string
	rate := func(errs, n int) float64 {
		if n == 0 {
			return 0
		}
		return float64(errs) / float64(n)
	}
	for _, g := range r.Groups {
		for _, c := range []struct {
			what  string
			rate  float64
			limit float64
		}{
			{"false accepts", rate(g.FalseAccepts, g.DifferentPairs), MaxFalseAccept},
			{"false rejects", rate(g.FalseRejects, g.SamePairs), MaxFalseReject},
			{"false rejects as a webcam frame", rate(g.WebcamRejects, g.WebcamPairs), MaxFalseReject},
			{"false rejects as a dim webcam frame", rate(g.DimRejects, g.DimPairs), MaxFalseReject},
		} {
			if c.rate > c.limit {
				past = append(past, fmt.Sprintf("%s: %s %.1f %% (target ≤ %.0f %%)", g.Group, c.what, 100*c.rate, 100*c.limit))
			}
		}
	}
	if len(past) > 0 {
		return fmt.Errorf("identity past its targets: %s", strings.Join(past, "; "))
	}
	return nil
}

// WriteTable prints the identity evaluation for people; model names the
// embedding model measured.
func (r *IdentityReport) WriteTable(w io.Writer, model string) error {
	fmt.Fprintf(w, "identity: %s, same person from similarity %.2f\n", model, r.Threshold)
	s, d := r.SamePerson, r.DifferentPeople
	fmt.Fprintf(w, "same person in other photos and webcam frames (shared media): %d pairs, similarity min %.2f, median %.2f; "+
		"false rejects %d (%.1f %%)\n", s.Pairs, s.Min, s.Median, s.Errors, 100*s.Rate)
	fmt.Fprintf(w, "different people (FairFace, %d faces): %d pairs, similarity median %.2f, p99 %.2f, max %.2f; "+
		"false accepts %d (%.2f %%)\n", r.Faces, d.Pairs, d.Median, d.P99, d.Max, d.Errors, 100*d.Rate)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\tsame-person pairs\tFRR\twebcam\tFRR\tdim webcam\tFRR\tdifferent pairs\tFAR\t")
	for _, g := range r.Groups {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%d\t%s\t%d\t%s\t\n", g.Group, g.SamePairs, pct(g.FalseRejects, g.SamePairs),
			g.WebcamPairs, pct(g.WebcamRejects, g.WebcamPairs), g.DimPairs, pct(g.DimRejects, g.DimPairs),
			g.DifferentPairs, pct2(g.FalseAccepts, g.DifferentPairs))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "errors at other thresholds (same person / as a webcam frame / dimmed : different people):")
	for _, th := range []float64{0.30, 0.35, 0.40, 0.45, 0.50, 0.55} {
		below := func(ps []Pair) int { return count(ps, func(s float64) bool { return s < th }) }
		fmt.Fprintf(w, "  %.2f: %d / %d / %d : %d\n", th, below(r.Same), below(r.Webcam), below(r.Dim),
			count(r.Different, func(s float64) bool { return s >= th }))
	}
	if len(r.NoFace) > 0 {
		fmt.Fprintf(w, "no face to compare on: %s\n", strings.Join(r.NoFace, ", "))
	}
	return nil
}

func count(ps []Pair, wrong func(float64) bool) int {
	n := 0
	for _, p := range ps {
		if wrong(p.Similarity) {
			n++
		}
	}
	return n
}

func pct(errs, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(errs)/float64(n))
}

// pct2 is pct with two decimals, for the small false-accept rates.
func pct2(errs, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f %%", 100*float64(errs)/float64(n))
}

// RunIdentity embeds every picture once and scores the pairs.
func RunIdentity(ctx context.Context, o IdentityOptions) (*IdentityReport, error) {
	rep := &IdentityReport{Threshold: o.Identity.MatchThreshold()}
	if err := rep.samePeople(ctx, o); err != nil {
		return nil, err
	}
	if err := rep.fairFace(ctx, o); err != nil {
		return nil, err
	}
	rep.tally()
	return rep, nil
}

// embed returns the embedding of the largest face of a JPEG (what an
// onboarding photo is compared by), or nil.
func embed(ctx context.Context, id *analysis.Identity, data []byte) ([]float32, error) {
	ref, err := id.NewReference(ctx, 0, data)
	return ref.Embedding, err
}

// embedNear returns the embedding of the face whose centre is nearest
// (x, y) in a JPEG, and that centre; nil when there is no face. A FairFace
// crop is centred on its subject, and some show other people beside it,
// now and then larger.
func embedNear(ctx context.Context, id *analysis.Identity, data []byte, x, y float32) ([]float32, float32, float32, error) {
	faces, err := id.Embeddings(ctx, data)
	if err != nil || len(faces) == 0 {
		return nil, 0, 0, err
	}
	best, dist := 0, float32(math.Inf(1))
	for i, f := range faces {
		dx, dy := f.Face.X+f.Face.W/2-x, f.Face.Y+f.Face.H/2-y
		if d := dx*dx + dy*dy; d < dist {
			best, dist = i, d
		}
	}
	f := faces[best].Face
	return faces[best].Embedding, f.X + f.W/2, f.Y + f.H/2, nil
}

func (r *IdentityReport) samePeople(ctx context.Context, o IdentityOptions) error {
	for _, p := range samePeople {
		embs := make([][]float32, len(p.pictures))
		for i, pic := range p.pictures {
			data, err := readPicture(o.Media, pic)
			if err != nil {
				return err
			}
			if embs[i], err = embed(ctx, o.Identity, data); err != nil {
				return err
			}
			if embs[i] == nil {
				r.NoFace = append(r.NoFace, pictureName(pic))
			}
		}
		for i, a := range p.pictures {
			for j, b := range p.pictures {
				// Photo against photo once, and photo (the onboarding
				// photo) against webcam frame; never one moment twice.
				if a.webcam || a.source == b.source || (!b.webcam && j <= i) || embs[i] == nil || embs[j] == nil {
					continue
				}
				r.Same = append(r.Same, Pair{A: pictureName(a), B: pictureName(b), Group: p.group,
					Similarity: identity.Similarity(embs[i], embs[j])})
			}
		}
	}
	return nil
}

func pictureName(p picture) string {
	switch p.half {
	case 1:
		return p.file + " (left half)"
	case 2:
		return p.file + " (right half)"
	}
	return p.file
}

// readPicture reads a picture, cut to its half where it is one person of two.
func readPicture(media fs.FS, p picture) ([]byte, error) {
	data, err := fs.ReadFile(media, p.file)
	if err != nil || p.half == 0 {
		return data, err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.file, err)
	}
	b := img.Bounds()
	mid := b.Min.X + b.Dx()/2
	half := image.Rect(b.Min.X, b.Min.Y, mid, b.Max.Y)
	if p.half == 2 {
		half = image.Rect(mid, b.Min.Y, b.Max.X, b.Max.Y)
	}
	return encodeJPEG(img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(half), 95)
}

func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	return buf.Bytes(), err
}

// fairFaceFace is one FairFace photo and its embeddings: as a photo, and
// as a webcam frame in normal and dim light.
type fairFaceFace struct {
	file, group     string
	photo, cam, dim []float32
}

func (r *IdentityReport) fairFace(ctx context.Context, o IdentityOptions) error {
	faces, err := readLabels(o.FairFace)
	if err != nil {
		return err
	}
	synth := fairness.NewSynth()
	for i := range faces {
		f := &faces[i]
		if err := embedFairFace(ctx, o, synth, f); err != nil {
			return err
		}
		if f.photo == nil {
			r.NoFace = append(r.NoFace, "fairface/"+f.file)
			continue
		}
		r.Faces++
		for _, c := range []struct {
			emb  []float32
			list *[]Pair
		}{{f.cam, &r.Webcam}, {f.dim, &r.Dim}} {
			sim := -1.0 // no face found on the frame: a false reject
			if c.emb != nil {
				sim = identity.Similarity(f.photo, c.emb)
			}
			*c.list = append(*c.list, Pair{A: f.file, B: f.file + " as a webcam frame", Group: f.group, Similarity: sim})
		}
	}
	for i := range faces {
		for j := i + 1; j < len(faces); j++ {
			a, b := &faces[i], &faces[j]
			if a.photo == nil || b.photo == nil || knownSamePerson(a.file, b.file) {
				continue
			}
			group := a.group
			if a.group != b.group {
				group = ""
			}
			r.Different = append(r.Different, Pair{A: a.file, B: b.file, Group: group, Similarity: identity.Similarity(a.photo, b.photo)})
		}
	}
	return nil
}

// embedFairFace embeds a FairFace photo as it is, and composed into a
// 320x240 webcam frame (the frames of docs/FAIRNESS.md: the face on a
// plain wall, a JPEG as a client sends it) in normal and dim light.
func embedFairFace(ctx context.Context, o IdentityOptions, synth *fairness.Synth, f *fairFaceFace) error {
	data, err := fs.ReadFile(o.FairFace, f.file)
	if err != nil {
		return err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("fairface %s: %w", f.file, err)
	}
	b := img.Bounds()
	var fx, fy float32
	f.photo, fx, fy, err = embedNear(ctx, o.Identity, data, float32(b.Dx())/2, float32(b.Dy())/2)
	if err != nil || f.photo == nil {
		return err
	}
	if err := synth.Compose(img, fairness.Layout{Side: 0.9, CX: 0.5, CY: 0.5, Noise: 1}); err != nil {
		return err
	}
	for _, c := range []struct {
		light fairness.Light
		dst   *[]float32
	}{{fairness.Normal, &f.cam}, {fairness.Dim, &f.dim}} {
		frame, at := synth.Frame(fairness.FrameW/2, c.light)
		jpg, err := encodeJPEG(frame, 85)
		if err != nil {
			return err
		}
		// The subject's face, where the composition put it.
		scale := float32(at.Side) / float32(b.Dx())
		x, y := float32(at.CX-at.Side/2)+fx*scale, float32(at.CY-at.Side/2)+fy*scale
		if *c.dst, _, _, err = embedNear(ctx, o.Identity, jpg, x, y); err != nil {
			return err
		}
	}
	return nil
}

// readLabels reads LABELS.csv: file and group (FairFace's "race").
func readLabels(fsys fs.FS) ([]fairFaceFace, error) {
	f, err := fsys.Open("LABELS.csv")
	if err != nil {
		return nil, fmt.Errorf("FairFace labels: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("FairFace labels: %w", err)
	}
	var out []fairFaceFace
	for i, row := range rows {
		if i == 0 || len(row) < 2 {
			continue
		}
		out = append(out, fairFaceFace{file: path.Clean(row[0]), group: row[1]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("FairFace labels list no faces")
	}
	return out, nil
}

// knownSamePerson lists FairFace pairs that are one person in two photos
// (the sample drew the same person twice), checked by eye: they are not
// pairs of different people.
func knownSamePerson(a, b string) bool {
	for _, p := range fairFaceDuplicates {
		if (p[0] == a && p[1] == b) || (p[0] == b && p[1] == a) {
			return true
		}
	}
	return false
}

var fairFaceDuplicates = [][2]string{
	// The two highest "different" pairs (0.93 and 0.87): one woman, one
	// man, each photographed twice at one event.
	{"East_Asian/Female_30-39_V3_EastAsian_Female_30s.jpg", "East_Asian/Female_30-39_V4_EastAsian_Female_30s.jpg"},
	{"East_Asian/Male_40-49_V2_EastAsian_Male_40s.jpg", "East_Asian/Male_40-49_V4_EastAsian_Male_40s.jpg"},
}

// tally counts each group's errors at the threshold.
func (r *IdentityReport) tally() {
	groups := map[string]*GroupRates{}
	get := func(g string) *GroupRates {
		if groups[g] == nil {
			groups[g] = &GroupRates{Group: g}
		}
		return groups[g]
	}
	for _, p := range r.Same {
		g := get(p.Group)
		g.SamePairs++
		if p.Similarity < r.Threshold {
			g.FalseRejects++
		}
	}
	for _, p := range r.Webcam {
		g := get(p.Group)
		g.WebcamPairs++
		if p.Similarity < r.Threshold {
			g.WebcamRejects++
		}
	}
	for _, p := range r.Dim {
		g := get(p.Group)
		g.DimPairs++
		if p.Similarity < r.Threshold {
			g.DimRejects++
		}
	}
	for _, p := range r.Different {
		if p.Group == "" {
			continue
		}
		g := get(p.Group)
		g.DifferentPairs++
		if p.Similarity >= r.Threshold {
			g.FalseAccepts++
		}
	}
	for _, g := range groups {
		r.Groups = append(r.Groups, *g)
	}
	sort.Slice(r.Groups, func(i, j int) bool { return r.Groups[i].Group < r.Groups[j].Group })
	r.SamePerson = stats(r.Same, func(s float64) bool { return s < r.Threshold })
	r.DifferentPeople = stats(r.Different, func(s float64) bool { return s >= r.Threshold })
}
