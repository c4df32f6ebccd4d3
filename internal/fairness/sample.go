// Package fairness measures whether a face detector finds the faces of
// every group of people equally well, following the protocol of the shared
// docs/FAIRNESS.md: 150 adult faces per group from the race-labelled
// UTKFace crops of the public repository bagashvilit/facial_recognition_bias,
// each pasted onto a synthetic webcam frame (a grey wall, 640x480 and
// 320x240, normal and dim light), with recall per group, Wilson intervals
// and the gap between groups, plus false positives on frames with nobody
// in them.
//
// The face images are licensed for non-commercial research only: they are
// read from a local checkout (Options.SourceDir) and never copied into the
// repository. Frames are synthesised one face at a time, so a run holds a
// handful of frames in memory, never the whole set.
package fairness

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Group is a race label of the UTKFace file names.
type Group int

// The UTKFace race labels, in the order of the labels' values.
const (
	White Group = iota
	Black
	Asian
	Indian
	Others
	NumGroups = 5
)

var groupNames = [NumGroups]string{"White", "Black", "Asian", "Indian", "Others"}

func (g Group) String() string {
	if g < 0 || g >= NumGroups {
		return fmt.Sprintf("Group(%d)", int(g))
	}
	return groupNames[g]
}

// Protocol constants of FAIRNESS.md.
const (
	// DefaultSeed is the sampling seed used when Options.Seed is 0.
	DefaultSeed = 20260501
	// DefaultPerGroup is the number of faces per group.
	DefaultPerGroup = 150
	// MinAge and MaxAge bound the adults sampled, inclusive.
	MinAge, MaxAge = 18, 75
)

// Folders of the source repository that hold the crops. random_200 repeats
// file names of images (re-encoded copies of the same pictures); a name is
// taken once, from the first folder that has it.
var sourceFolders = []string{"data/images", "data/random_200"}

// Options configures BuildSet and Run.
type Options struct {
	// SourceDir is a checkout (or export) of the source repository,
	// containing data/images and data/random_200.
	SourceDir string
	// MediaDir is the shared media folder; its no-face frames measure false
	// positives. Empty skips them.
	MediaDir string
	// Seed fixes the sample and every frame's layout and noise; 0 means
	// DefaultSeed.
	Seed int64
	// PerGroup is the number of faces per group, half of them women
	// (an odd number gives the extra one to men); 0 means DefaultPerGroup.
	PerGroup int
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.PerGroup == 0 {
		o.PerGroup = DefaultPerGroup
	}
	return o
}

// Label is what a UTKFace file name says about its face:
// age_gender_race_date.jpg[.chip.jpg], gender 0 male and 1 female.
type Label struct {
	Age    int
	Female bool
	Group  Group
}

// ParseName reads the label from a UTKFace file name. Names with fewer
// than four fields or values out of range are rejected: a few files of the
// data set lack a field, and their label cannot be trusted.
func ParseName(name string) (Label, bool) {
	f := strings.Split(name, "_")
	if len(f) < 4 {
		return Label{}, false
	}
	age, err1 := strconv.Atoi(f[0])
	gender, err2 := strconv.Atoi(f[1])
	race, err3 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || err3 != nil ||
		age < 0 || gender < 0 || gender > 1 || race < 0 || race >= NumGroups {
		return Label{}, false
	}
	return Label{Age: age, Female: gender == 1, Group: Group(race)}, true
}

// Layout is where a face goes in its 640x480 frame, as fractions of the
// frame: drawn per face from the seed, so a frame is the same in every run.
type Layout struct {
	// Side is the crop's side as a fraction of the frame height, 0.35–0.50.
	Side float64
	// CX and CY are the crop's centre as fractions of the width and the
	// height: 0.5 ± 0.10 and 0.45 ± 0.05.
	CX, CY float64
	// Noise seeds the wall's Gaussian noise.
	Noise uint64
}

// Sample is one face of the set.
type Sample struct {
	Path string // the crop's file
	Name string // its base name (the label)
	Label
	Layout
}

// Set is a sampled evaluation set. It holds file names and layouts only;
// frames are made on the fly by Measure.
type Set struct {
	Opts Options
	// Samples, by group, then women before men, each in sampled order.
	Samples []Sample
	// Available counts the eligible faces per group and gender
	// ([group][0 men, 1 women]) the sample was drawn from.
	Available [NumGroups][2]int
	// Skipped counts files whose names carry no usable label.
	Skipped int
	// NoFace lists the media frames with nobody in them (false positives).
	NoFace []string
	// Stills lists the media frames of groundtruth.tsv, with their face
	// counts, for the detectors' agreement on real photos.
	Stills []Still
}

// BuildSet samples the set described in FAIRNESS.md from opts.SourceDir:
// adults of MinAge–MaxAge, PerGroup per group, half women, drawn with the
// seed. The same options always give the same set.
func BuildSet(opts Options) (*Set, error) {
	opts = opts.withDefaults()
	if opts.PerGroup < 0 {
		return nil, fmt.Errorf("fairness: PerGroup %d", opts.PerGroup)
	}
	set := &Set{Opts: opts}
	pools, err := set.scan()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5a3b1e))
	women := opts.PerGroup / 2
	for g := range NumGroups {
		for _, female := range []bool{true, false} {
			want := opts.PerGroup - women
			gi := 0
			if female {
				want, gi = women, 1
			}
			pool := pools[g][gi]
			if len(pool) < want {
				return nil, fmt.Errorf("fairness: %d eligible %s %s faces in %s, need %d",
					len(pool), Group(g), genderWord(female), opts.SourceDir, want)
			}
			rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
			for _, s := range pool[:want] {
				s.Layout = layoutFor(opts.Seed, s.Name)
				set.Samples = append(set.Samples, s)
			}
		}
	}
	if opts.MediaDir != "" {
		if set.NoFace, err = noFaceFrames(opts.MediaDir); err != nil {
			return nil, err
		}
		if set.Stills, err = readStills(opts.MediaDir); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func genderWord(female bool) string {
	if female {
		return "female"
	}
	return "male"
}

// scan lists the eligible faces by group and gender, sorted by name so that
// the shuffle alone decides the sample.
func (set *Set) scan() ([NumGroups][2][]Sample, error) {
	var pools [NumGroups][2][]Sample
	seen := map[string]bool{}
	found := 0
	for _, folder := range sourceFolders {
		root := filepath.Join(set.Opts.SourceDir, filepath.FromSlash(folder))
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() || !strings.HasSuffix(strings.ToLower(name), ".jpg") {
				return nil
			}
			found++
			if seen[name] {
				return nil
			}
			seen[name] = true
			l, ok := ParseName(name)
			if !ok {
				set.Skipped++
				return nil
			}
			if l.Age < MinAge || l.Age > MaxAge {
				return nil
			}
			gi := 0
			if l.Female {
				gi = 1
			}
			pools[l.Group][gi] = append(pools[l.Group][gi], Sample{Path: path, Name: name, Label: l})
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue // one of the two folders may be absent
		}
		if err != nil {
			return pools, fmt.Errorf("fairness: scan %s: %w", root, err)
		}
	}
	if found == 0 {
		return pools, fmt.Errorf("fairness: no JPEG files under %s/{%s}", set.Opts.SourceDir,
			strings.Join(sourceFolders, ","))
	}
	for g := range pools {
		for gi := range pools[g] {
			slices.SortFunc(pools[g][gi], func(a, b Sample) int { return strings.Compare(a.Name, b.Name) })
			set.Available[g][gi] = len(pools[g][gi])
		}
	}
	return pools, nil
}

// layoutFor draws a face's frame layout from the seed and its file name, so
// it does not depend on which other faces were sampled.
func layoutFor(seed int64, name string) Layout {
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	return Layout{
		Side:  0.35 + 0.15*rng.Float64(),
		CX:    0.5 + 0.10*(2*rng.Float64()-1),
		CY:    0.45 + 0.05*(2*rng.Float64()-1),
		Noise: rng.Uint64(),
	}
}

// noFaceGlobs are the shared media frames with nobody in them.
var noFaceGlobs = []string{
	"webcam*/desk_empty_320.jpg",
	"webcam*/derived_black.jpg",
	"frames/desk_empty_dlib/*.jpg",
}

func noFaceFrames(dir string) ([]string, error) {
	var out []string
	for _, g := range noFaceGlobs {
		m, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(g)))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("fairness: no media matches %s in %s", g, dir)
		}
		out = append(out, m...)
	}
	return out, nil
}

// readStills reads groundtruth.tsv of the media folder (path, faces, note
// per line after a header); a folder without one gives no stills.
func readStills(dir string) ([]Still, error) {
	p := filepath.Join(dir, "groundtruth.tsv")
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fairness: %w", err)
	}
	var out []Still
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if i == 0 || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			return nil, fmt.Errorf("fairness: %s:%d: want 3 tab-separated columns", p, i+1)
		}
		n, err := strconv.Atoi(cols[1])
		if err != nil {
			return nil, fmt.Errorf("fairness: %s:%d: face count: %w", p, i+1, err)
		}
		out = append(out, Still{Path: filepath.Join(dir, filepath.FromSlash(cols[0])), Faces: n, Note: cols[2]})
	}
	return out, nil
}
