//go:build ignore

// genfaces writes the webcam frames of testdata/media/faces and the
// scenarios of testdata/scenarios/faces that play them: head turns of real
// people (FairFace photos, CC BY 4.0, from the shared folder) at about 15°,
// 30°, 45°, 60° and 90° to both sides and looking down; animals in front of
// the camera; posters, a phone and a second screen with faces; a printed
// photo held up. Run from the repository root with the shared folder beside
// it:
//
//	go run testdata/media/genfaces.go
//
// Deterministic (fixed seeds): running it again writes the same bytes.
//
// What is real and what is composed (SOURCES.md says the same): every face
// and animal is a real photo; the rooms are a plain wall like the one of
// the shared FAIRNESS.md frames; each photo is placed in the frame, and a
// live person's photo is moved by a pixel or two and a percent of scale
// from frame to frame with fresh sensor noise (a live face changes between
// seconds; measured on the real takes of the shared media, see
// docs/DETECTION.md). A "turn" is a different person's photo at that angle
// in the same place, scaled so that YuNet's box of the face has the same
// height and centre as the student's (one person turning keeps the size of
// their head): no photo set here shows one person at several angles. The
// angle classes were judged by eye (±10°).
package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
)

const (
	outDir      = "testdata/media/faces"
	srcDir      = "testdata/media/faces/src"
	scenarioDir = "testdata/scenarios/faces"
	fairface    = "../shared/fairface"
	// Frames are composed at 640x480 and halved to 320x240, the size
	// clients send by default.
	cw, ch = 640, 480
	// liveFrames is how many different frames a span of a live person
	// loops through (a still picture gets as many, differing by noise).
	liveFrames = 4
)

// layer is one photo placed in a frame.
type layer struct {
	src    string  // FairFace file name, or src/<file> for the animals
	mirror bool    // flipped left-right: the same person turned the other way
	cx, cy float64 // centre, fractions of the frame
	side   float64 // side of the square placed, fraction of the frame height
	kind   kind
	live   bool // moves a little from frame to frame
}

type kind int

const (
	head   kind = iota // a person's photo faded into the wall (the central 64 % of the FairFace crop)
	full               // the whole frame (an animal in front of the camera)
	poster             // a framed print on the wall: hard edge, white border
	phone              // a phone lying on the desk: dark bezel
	screen             // a second monitor: dark bezel, bigger
	held               // a printed photo held up to the camera: white border, slightly turned
)

// scene is what the camera sees during one span.
type scene struct {
	name   string
	layers []layer
	tint   [3]float64 // the wall's colour
}

func student(src string) layer {
	return layer{src: src, cx: 0.5, cy: 0.47, side: 0.55, kind: head, live: true}
}

func turned(src string, mirror bool) layer {
	l := student(src)
	l.mirror = mirror
	return l
}

var (
	wallGrey  = [3]float64{1, 1, 1}
	wallWarm  = [3]float64{1.08, 1, 0.9}
	wallCool  = [3]float64{0.92, 0.98, 1.08}
	wallGreen = [3]float64{0.95, 1.05, 0.95}
)

func main() {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		log.Fatal(err)
	}
	index, err := fairfaceIndex()
	if err != nil {
		log.Fatal(err)
	}
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		log.Fatal(err)
	}
	det, err := face.NewDetector(face.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer det.Close()
	g := &gen{index: index, written: map[string]bool{}, det: det}
	for _, sc := range scenarios() {
		g.scenario(sc)
	}
}

// span is one stretch of a scenario: a scene, how long, what is expected.
type span struct {
	scene  scene
	secs   float64
	faces  int    // live faces the camera shows
	expect string // violation type expected over the span, if any
}

type scenarioDef struct {
	file, name, note string
	spans            []span
}

func sc(file, name, note string, spans ...span) scenarioDef {
	return scenarioDef{file, name, note, spans}
}

func at(s scene, secs float64, faces int, expect string) span { return span{s, secs, faces, expect} }

// turnScenario: the student at the screen, turned (person b1), back, turned
// the other way (person b2, mirrored), back. expect is "" for turns under
// the threshold.
func turnScenario(file, name, note string, tint [3]float64, a, b1, b2, expect string) scenarioDef {
	front := scene{name: "front_" + short(a) + tintName(tint), layers: []layer{student(a)}, tint: tint}
	t1 := scene{name: "turn_" + short(b1) + tintName(tint), layers: []layer{turned(b1, false)}, tint: tint}
	t2 := scene{name: "turn_" + short(b2) + "_m" + tintName(tint), layers: []layer{turned(b2, true)}, tint: tint}
	return sc(file, name, note,
		at(front, 20, 1, ""), at(t1, 12, 1, expect), at(front, 18, 1, ""), at(t2, 12, 1, expect), at(front, 18, 1, ""))
}

func scenarios() []scenarioDef {
	const fs = "facial_suspicion"
	const ls = "left_session"
	var out []scenarioDef
	// Tuning part: thresholds may be chosen looking at these.
	out = append(out,
		turnScenario("21-tune-turn-15.json", "tune-turn-15", "head turned about 15° (reading the edge of the screen) to each side for 12 s: not looking away", wallGrey,
			"Male_20-29_V7_Indian_Male_20s.jpg", "Male_50-59_V1_White_Male_50s.jpg", "Male_50-59_V1_White_Male_50s.jpg", ""),
		turnScenario("22-tune-turn-30.json", "tune-turn-30", "head turned about 30° to each side for 12 s: under the default 35°", wallWarm,
			"Male_20-29_V2_Latino_Male_20s.jpg", "Male_30-39_V5_Latino_Male_30s.jpg", "Male_30-39_V5_Latino_Male_30s.jpg", ""),
		turnScenario("23-tune-turn-45.json", "tune-turn-45", "a three-quarter turn (about 45°) to each side for 12 s", wallCool,
			"Male_30-39_V4_Black_Male_30s.jpg", "Male_40-49_V1_EastAsian_Male_40s.jpg", "Male_40-49_V1_EastAsian_Male_40s.jpg", fs),
		turnScenario("24-tune-turn-60.json", "tune-turn-60", "head turned about 60° to each side for 12 s", wallGrey,
			"Female_20-29_V3_MiddleEastern_Female_20s.jpg", "Female_20-29_V4_Black_Female_20s.jpg", "Female_20-29_V4_Black_Female_20s.jpg", fs),
		turnScenario("25-tune-turn-90.json", "tune-turn-90", "a full profile to each side for 12 s", wallGreen,
			"Male_50-59_V7_SoutheastAsian_Male_50s.jpg", "Female_20-29_V5_Latino_Female_20s.jpg", "Female_20-29_V5_Latino_Female_20s.jpg", fs),
		turnScenario("26-tune-down.json", "tune-down", "looking down at a desk (head tilted down about 30°) for 12 s, twice", wallWarm,
			"Female_30-39_V2_Latino_Female_30s.jpg", "Female_40-49_V4_EastAsian_Female_40s.jpg", "Female_40-49_V4_EastAsian_Female_40s.jpg", fs),
	)
	a := student("Male_20-29_V7_Indian_Male_20s.jpg")
	cat := scene{name: "cat_chelsea", layers: []layer{{src: "src/cat_chelsea.jpg", kind: full, live: true}}}
	tunePoster := framedPhoto("Female_40-49_V6_Black_Female_40s.jpg", 0.83, 0.22)
	out = append(out,
		sc("27-tune-cat.json", "tune-cat", "the student leaves and a cat sits in front of the camera for 20 s: no one is there",
			at(scene{name: "front_" + short(a.src) + tintName(wallGrey), layers: []layer{a}, tint: wallGrey}, 20, 1, ""), at(cat, 20, 0, ls),
			at(scene{name: "front_" + short(a.src) + tintName(wallGrey), layers: []layer{a}, tint: wallGrey}, 20, 1, "")),
		sc("28-tune-poster.json", "tune-poster", "a framed photo of a face on the wall behind the student all along: one person",
			at(scene{name: "poster_tune", layers: []layer{student("Male_20-29_V2_Latino_Male_20s.jpg"), tunePoster}, tint: wallCool}, 60, 1, "")),
	)
	// Judging part: other people, other animals, other pictures.
	out = append(out,
		turnScenario("29-judge-turn-15.json", "judge-turn-15", "two people with the head turned about 15°, one to each side, 12 s each", wallCool,
			"Male_40-49_V5_White_Male_40s.jpg", "Male_50-59_V1_Indian_Male_50s.jpg", "Male_20-29_V6_EastAsian_Male_20s.jpg", ""),
		turnScenario("30-judge-turn-30.json", "judge-turn-30", "two people with the head turned about 30°, one to each side, 12 s each", wallGreen,
			"Male_40-49_V6_Indian_Male_40s.jpg", "Male_20-29_V1_Latino_Male_20s.jpg", "Male_60-69_V3_SoutheastAsian_Male_60s.jpg", ""),
		turnScenario("31-judge-turn-45.json", "judge-turn-45", "two people in a three-quarter turn (about 45°), one to each side, 12 s each", wallGrey,
			"Male_50-59_V3_Black_Male_50s.jpg", "Male_20-29_V4_Indian_Male_20s.jpg", "Male_50-59_V2_Latino_Male_50s.jpg", fs),
		turnScenario("32-judge-turn-45b.json", "judge-turn-45b", "two more people turned about 45°, one to each side, 12 s each", wallWarm,
			"Female_60-69_V6_Indian_Female_60s.jpg", "Male_40-49_V3_Latino_Male_40s.jpg", "Male_30-39_V4_MiddleEastern_Male_30s.jpg", fs),
		turnScenario("33-judge-turn-60.json", "judge-turn-60", "two people turned about 60°, one to each side, 12 s each", wallCool,
			"Male_40-49_V4_White_Male_40s.jpg", "Male_30-39_V6_Black_Male_30s.jpg", "Male_20-29_V7_MiddleEastern_Male_20s.jpg", fs),
		turnScenario("34-judge-turn-90.json", "judge-turn-90", "two people in full profile, one to each side, 12 s each", wallGrey,
			"Female_20-29_V2_Indian_Female_20s.jpg", "Male_40-49_V4_Black_Male_40s.jpg", "Female_40-49_V4_MiddleEastern_Female_40s.jpg", fs),
		turnScenario("35-judge-turn-90b.json", "judge-turn-90b", "two more people in profile, one to each side, 12 s each", wallGreen,
			"Female_40-49_V2_Black_Female_40s.jpg", "Male_50-59_V1_EastAsian_Male_50s.jpg", "Male_20-29_V1_MiddleEastern_Male_20s.jpg", fs),
		turnScenario("36-judge-down.json", "judge-down", "two people looking down at a desk, 12 s each", wallCool,
			"Female_40-49_V2_Indian_Female_40s.jpg", "Female_70plus_V4_EastAsian_Female_70plus.jpg", "Male_60-69_V5_Latino_Male_60s.jpg", fs),
	)
	b := student("Female_60-69_V6_Indian_Female_60s.jpg")
	front := func(l layer, tint [3]float64) scene {
		return scene{name: "front_" + short(l.src) + tintName(tint), layers: []layer{l}, tint: tint}
	}
	dog := func(n int) scene {
		return scene{name: fmt.Sprintf("dog_%d", n), layers: []layer{{src: fmt.Sprintf("src/dog_%d.jpg", n), kind: full, live: true}}}
	}
	c := student("Male_40-49_V6_Indian_Male_40s.jpg")
	wallPoster := framedPhoto("Female_70plus_V7_White_Female_70plus.jpg", 0.16, 0.2)
	d := student("Male_50-59_V3_Black_Male_50s.jpg")
	ph := layer{src: "Female_40-49_V1_EastAsian_Female_40s.jpg", cx: 0.84, cy: 0.8, side: 0.2, kind: phone}
	e := student("Male_40-49_V5_White_Male_40s.jpg")
	photo := layer{src: "Female_30-39_V5_EastAsian_Female_30s.jpg", cx: 0.5, cy: 0.48, side: 0.5, kind: held, live: true}
	f := student("Male_40-49_V4_White_Male_40s.jpg")
	scr := layer{src: "Male_20-29_V3_EastAsian_Male_20s.jpg", cx: 0.16, cy: 0.3, side: 0.3, kind: screen, live: true}
	pet := layer{src: "src/dog_2.jpg", cx: 0.82, cy: 0.7, side: 0.42, kind: head, live: true}
	out = append(out,
		sc("37-judge-dogs.json", "judge-dogs", "the student leaves twice and a dog is in front of the camera each time (15 s): no one is there",
			at(front(b, wallWarm), 15, 1, ""), at(dog(0), 15, 0, ls), at(front(b, wallWarm), 15, 1, ""), at(dog(2), 15, 0, ls), at(front(b, wallWarm), 15, 1, "")),
		sc("38-judge-poster-left.json", "judge-poster-left", "a photo of a face on the wall; the student leaves for 15 s and only the photo is there",
			at(scene{name: "poster_judge", layers: []layer{c, wallPoster}, tint: wallGreen}, 25, 1, ""),
			at(scene{name: "poster_judge_empty", layers: []layer{wallPoster}, tint: wallGreen}, 15, 0, ls),
			at(scene{name: "poster_judge", layers: []layer{c, wallPoster}, tint: wallGreen}, 20, 1, "")),
		sc("39-judge-phone.json", "judge-phone", "a phone on the desk shows a photo of a face all along: one person",
			at(scene{name: "phone_judge", layers: []layer{d, ph}, tint: wallGrey}, 60, 1, "")),
		sc("40-judge-photo-held.json", "judge-photo-held", "the student leaves and a printed photo of a face is held up to the camera for 15 s: no one is there",
			at(front(e, wallCool), 20, 1, ""), at(scene{name: "photo_held", layers: []layer{photo}, tint: wallCool}, 15, 0, ls), at(front(e, wallCool), 20, 1, "")),
		sc("41-judge-screen-video.json", "judge-screen-video", "a second monitor behind the student shows a video call (a face that moves): a face on a screen is not a second person in the room",
			at(scene{name: "screen_judge", layers: []layer{f, scr}, tint: wallWarm}, 60, 1, "")),
		sc("42-judge-pet-beside.json", "judge-pet-beside", "a dog beside the student for 20 s: one person",
			at(front(e, wallGrey), 20, 1, ""), at(scene{name: "pet_beside", layers: []layer{e, pet}, tint: wallGrey}, 20, 1, ""), at(front(e, wallGrey), 20, 1, "")),
	)
	return out
}

func framedPhoto(src string, cx, cy float64) layer {
	return layer{src: src, cx: cx, cy: cy, side: 0.26, kind: poster}
}

func tintName(t [3]float64) string {
	switch t {
	case wallWarm:
		return "_warm"
	case wallCool:
		return "_cool"
	case wallGreen:
		return "_green"
	}
	return "_grey"
}

func short(src string) string {
	s := strings.TrimSuffix(filepath.Base(src), ".jpg")
	// Female_20-29_V7_MiddleEastern_Female_20s -> f2029v7middleeastern
	parts := strings.Split(s, "_")
	if len(parts) >= 4 {
		s = parts[0][:1] + strings.ReplaceAll(parts[1], "-", "") + parts[2] + parts[3]
	}
	return strings.ToLower(strings.ReplaceAll(s, "plus", "p"))
}

type gen struct {
	index   map[string]string // FairFace file name -> path
	written map[string]bool   // scenes already written
	det     *face.Detector
}

// Where a student's face goes: YuNet's box of it this high (a fraction of
// the frame height), centred here.
const (
	faceHeight       = 0.36
	faceCX, faceCY   = 0.5, 0.45
	maxHeadPhotoSide = 0.9
)

// normalise sets a head layer's side and centre so that the face in its
// photo lands with faceHeight at (faceCX, faceCY). Photos where YuNet finds
// no face keep the layer as given.
func (g *gen) normalise(l *layer, img image.Image) {
	if l.kind != head || strings.HasPrefix(l.src, "src/") {
		return
	}
	faces, err := g.det.Detect(img)
	if err != nil || len(faces) == 0 {
		log.Printf("%s: no face found, placed as given", l.src)
		return
	}
	f := faces[0]
	b := img.Bounds()
	side := float64(b.Dy()) // the photo is square
	l.side = math.Min(faceHeight*side/float64(f.H), maxHeadPhotoSide)
	// The face centre, as a fraction of the photo, lands at the target.
	fx := (float64(f.X+f.W/2) - float64(b.Min.X)) / side
	fy := (float64(f.Y+f.H/2) - float64(b.Min.Y)) / side
	l.cx = faceCX - (fx-0.5)*l.side*ch/cw
	l.cy = faceCY - (fy-0.5)*l.side
}

// scenario writes the frames of every scene and the scenario file.
func (g *gen) scenario(d scenarioDef) {
	type videoSpan struct {
		From   float64 `json:"from"`
		To     float64 `json:"to"`
		Frames string  `json:"frames"`
		Faces  int     `json:"faces"`
	}
	type expected struct {
		Type string  `json:"type"`
		From float64 `json:"from"`
		To   float64 `json:"to"`
	}
	var video []videoSpan
	var expect []expected
	t := 0.0
	for _, s := range d.spans {
		g.scene(s.scene)
		video = append(video, videoSpan{t, t + s.secs, "faces/" + s.scene.name + "_?.jpg", s.faces})
		if s.expect != "" {
			expect = append(expect, expected{s.expect, t, t + s.secs})
		}
		t += s.secs
	}
	doc := map[string]any{"name": d.name, "note": d.note + " (composed from real photos: testdata/media/SOURCES.md)",
		"duration": t, "fps": 1, "video": video, "audio": []any{}, "events": []any{}, "expect": expect}
	if expect == nil {
		doc["expect"] = []any{}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(scenarioDir, d.file), append(data, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func (g *gen) scene(s scene) {
	if g.written[s.name] {
		return
	}
	g.written[s.name] = true
	srcs := make([]image.Image, len(s.layers))
	layers := append([]layer(nil), s.layers...)
	for i := range layers {
		srcs[i] = g.load(layers[i])
		g.normalise(&layers[i], srcs[i])
	}
	seed := uint64(0)
	for _, c := range s.name {
		seed = seed*131 + uint64(c)
	}
	for k := range liveFrames {
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		canvas := newCanvas(s.tint, rng)
		for i, l := range layers {
			dx, dy, ds := 0.0, 0.0, 1.0
			if l.live {
				dx, dy, ds = rng.Float64()*4-2, rng.Float64()*4-2, 1+rng.Float64()*0.02-0.01
			}
			canvas.place(srcs[i], l, dx, dy, ds)
		}
		img := canvas.halve(rng)
		p := filepath.Join(outDir, fmt.Sprintf("%s_%d.jpg", s.name, k+1))
		f, err := os.Create(p)
		if err != nil {
			log.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}

func (g *gen) load(l layer) image.Image {
	p := g.index[l.src]
	if strings.HasPrefix(l.src, "src/") {
		p = filepath.Join(outDir, l.src)
	}
	if p == "" {
		log.Fatalf("no FairFace image %s", l.src)
	}
	f, err := os.Open(p)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		log.Fatalf("%s: %v", p, err)
	}
	b := img.Bounds()
	if l.kind != full && !strings.HasPrefix(l.src, "src/") {
		// The central 64 % of the crop: the face and hair, without the
		// neighbours that FairFace's loose crops sometimes catch at the edges.
		m := int(float64(b.Dx()) * 0.18)
		img = subImage(img, image.Rect(b.Min.X+m, b.Min.Y+m, b.Max.X-m, b.Max.Y-m))
	}
	if l.mirror {
		img = mirror(img)
	}
	return img
}

func fairfaceIndex() (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(fairface, "*", "*.jpg"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no FairFace images in %s (the shared folder must be beside the repository): %v", fairface, err)
	}
	out := map[string]string{}
	for _, f := range files {
		out[filepath.Base(f)] = f
	}
	return out, nil
}

// canvas is a 640x480 float RGB frame.
type canvas struct{ px []float64 }

func newCanvas(tint [3]float64, rng *rand.Rand) *canvas {
	c := &canvas{px: make([]float64, cw*ch*3)}
	for y := range ch {
		base := 150 - 40*float64(y)/ch
		for x := range cw {
			for k := range 3 {
				c.px[(y*cw+x)*3+k] = base*tint[k] + rng.NormFloat64()*3
			}
		}
	}
	return c
}

// place draws l's photo with an offset (pixels) and scale.
func (c *canvas) place(src image.Image, l layer, dx, dy, ds float64) {
	b := src.Bounds()
	if l.kind == full {
		// Fill the frame (crop to 4:3, centred), shifted by the offset.
		sw, sh := float64(b.Dx()), float64(b.Dy())
		scale := math.Max(cw/sw, ch/sh) * ds
		for y := range ch {
			for x := range cw {
				u := (float64(x)-cw/2-dx)/scale + sw/2
				v := (float64(y)-ch/2-dy)/scale + sh/2
				r, g, bl, ok := sample(src, u, v)
				if ok {
					c.set(x, y, r, g, bl, 1)
				}
			}
		}
		return
	}
	side := l.side * ch * ds
	aspect := float64(b.Dx()) / float64(b.Dy())
	w, h := side*math.Min(aspect, 1), side/math.Max(aspect, 1)
	x0, y0 := l.cx*cw-w/2+dx, l.cy*ch-h/2+dy
	border := 0.0
	var bc [3]float64
	switch l.kind {
	case poster, held:
		border, bc = 0.06*side, [3]float64{235, 233, 228}
	case phone:
		border, bc = 0.07*side, [3]float64{18, 18, 20}
	case screen:
		border, bc = 0.05*side, [3]float64{25, 25, 28}
	}
	rot := 0.0
	if l.kind == held {
		rot = 0.06 + dx*0.01 // a few degrees, changing as the hand moves
	}
	sn, cs := math.Sincos(rot)
	cxp, cyp := x0+w/2, y0+h/2
	for y := int(y0 - border - h*0.1); y < int(y0+h+border+h*0.1); y++ {
		for x := int(x0 - border - w*0.1); x < int(x0+w+border+w*0.1); x++ {
			if x < 0 || y < 0 || x >= cw || y >= ch {
				continue
			}
			// Undo the rotation about the photo's centre.
			px, py := float64(x)-cxp, float64(y)-cyp
			qx, qy := cs*px+sn*py+w/2, -sn*px+cs*py+h/2
			inPhoto := qx >= 0 && qy >= 0 && qx < w && qy < h
			inBorder := qx >= -border && qy >= -border && qx < w+border && qy < h+border
			switch {
			case inPhoto:
				r, g, bl, _ := sample(src, qx/w*float64(b.Dx())+float64(b.Min.X), qy/h*float64(b.Dy())+float64(b.Min.Y))
				alpha := 1.0
				if l.kind == head {
					alpha = fade(qx/w) * fade(qy/h)
				}
				c.set(x, y, r, g, bl, alpha)
			case inBorder && border > 0:
				c.set(x, y, bc[0], bc[1], bc[2], 1)
			}
		}
	}
}

// fade is 1 inside and falls to 0 over the outer 12 % of a side (raised
// cosine), as the shared FAIRNESS.md frames are made.
func fade(t float64) float64 {
	const f = 0.12
	e := math.Min(t, 1-t)
	if e >= f {
		return 1
	}
	if e <= 0 {
		return 0
	}
	return 0.5 - 0.5*math.Cos(math.Pi*e/f)
}

func (c *canvas) set(x, y int, r, g, b, alpha float64) {
	i := (y*cw + x) * 3
	c.px[i] = c.px[i]*(1-alpha) + r*alpha
	c.px[i+1] = c.px[i+1]*(1-alpha) + g*alpha
	c.px[i+2] = c.px[i+2]*(1-alpha) + b*alpha
}

// halve averages 2x2 blocks into a 320x240 frame and adds sensor noise.
func (c *canvas) halve(rng *rand.Rand) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, cw/2, ch/2))
	for y := range ch / 2 {
		for x := range cw / 2 {
			var v [3]float64
			for _, o := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				i := ((2*y+o[1])*cw + 2*x + o[0]) * 3
				for k := range 3 {
					v[k] += c.px[i+k] / 4
				}
			}
			n := rng.NormFloat64() * 1.5
			out.SetRGBA(x, y, color.RGBA{u8(v[0] + n), u8(v[1] + n), u8(v[2] + n), 255})
		}
	}
	return out
}

func u8(v float64) uint8 { return uint8(math.Round(math.Min(255, math.Max(0, v)))) }

// sample reads src bilinearly at (u, v) in its pixel coordinates.
func sample(src image.Image, u, v float64) (r, g, b float64, ok bool) {
	bd := src.Bounds()
	u, v = u-0.5, v-0.5
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	if x0 < bd.Min.X-1 || y0 < bd.Min.Y-1 || x0 >= bd.Max.X || y0 >= bd.Max.Y {
		return 0, 0, 0, false
	}
	fx, fy := u-float64(x0), v-float64(y0)
	var acc [3]float64
	for _, o := range [4][3]float64{{0, 0, (1 - fx) * (1 - fy)}, {1, 0, fx * (1 - fy)}, {0, 1, (1 - fx) * fy}, {1, 1, fx * fy}} {
		x := min(max(x0+int(o[0]), bd.Min.X), bd.Max.X-1)
		y := min(max(y0+int(o[1]), bd.Min.Y), bd.Max.Y-1)
		cr, cg, cb, _ := src.At(x, y).RGBA()
		acc[0] += float64(cr>>8) * o[2]
		acc[1] += float64(cg>>8) * o[2]
		acc[2] += float64(cb>>8) * o[2]
	}
	return acc[0], acc[1], acc[2], true
}

func subImage(img image.Image, r image.Rectangle) image.Image {
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	return img
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
