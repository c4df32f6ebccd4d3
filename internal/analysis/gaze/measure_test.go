package gaze

import (
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"vigil/internal/proctor"
)

// Run with -args -gaze.tables=FILE to write the measurement tables that
// MEASUREMENTS.md quotes (markdown). Without it they are only logged (-v).
var tablesOut = flag.String("gaze.tables", "", "write the measurement tables to this file")

// seq is one of the frame folders with its ground truth.
type seq struct {
	folder string
	n      int
	dir    float64 // expected sign of the look-away shift in GazeX: −1 left, +1 right, 0 none
}

var seqs = []seq{
	{"eyes_center_10s", 10, 0},
	{"eyes_center5_left5_center5", 15, -1},
	{"eyes_center5_right5_center5", 15, +1},
}

// away reports whether frame i (1-based) is a look-away frame: f06–f10.
// f06 is the transition frame: at one frame a second it catches the eyes
// on the way in some takes, so some statistics also use f07–f10 alone.
func (s seq) away(i int) bool { return s.dir != 0 && i >= 6 && i <= 10 }

func (s seq) truth(i int) string {
	switch {
	case !s.away(i):
		return "centre"
	case s.dir < 0:
		return "LEFT"
	}
	return "RIGHT"
}

// sample is the pose of the one face in frame i.
type sample struct {
	i     int
	faces int
	pose  Pose
}

func measure(t testing.TB, s seq, frameSize, input int) []sample {
	t.Helper()
	out := make([]sample, 0, s.n)
	for i := 1; i <= s.n; i++ {
		rel := fmt.Sprintf("frames/%s/f%02d_%d.jpg", s.folder, i, frameSize)
		img, fs := detectFaces(t, rel, input)
		smp := sample{i: i, faces: len(fs)}
		if len(fs) > 0 {
			smp.pose = Estimate(img, fs[0])
		}
		out = append(out, smp)
	}
	return out
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	y := slices.Clone(x)
	slices.Sort(y)
	n := len(y)
	if n%2 == 1 {
		return y[n/2]
	}
	return (y[n/2-1] + y[n/2]) / 2
}

func stddev(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

func mean(x []float64) float64 {
	var m float64
	for _, v := range x {
		m += v
	}
	return m / float64(len(x))
}

// separation is how one signal of one sequence moves away from the
// person's own centre baseline.
type separation struct {
	base    float64 // median of the centre frames
	sd      float64 // their standard deviation: the frame-to-frame noise
	maxDev  float64 // their largest |value − base|
	worst   int     // frame number of that largest deviation
	away    float64 // mean deviation of f06–f10
	away7   float64 // mean deviation of f07–f10
	minAway float64 // smallest deviation of f07–f10 in the expected direction (signed by dir)
	d       float64 // effect size: away7 / sd
}

func separate(s seq, smp []sample, sig func(Pose) float32) separation {
	var cen, aw, aw7 []float64
	for _, x := range smp {
		v := float64(sig(x.pose))
		switch {
		case !s.away(x.i):
			cen = append(cen, v)
		case x.i >= 7:
			aw7 = append(aw7, v)
			aw = append(aw, v)
		default:
			aw = append(aw, v)
		}
	}
	r := separation{base: median(cen), sd: stddev(cen)}
	for _, x := range smp {
		if d := math.Abs(float64(sig(x.pose)) - r.base); !s.away(x.i) && d > r.maxDev {
			r.maxDev, r.worst = d, x.i
		}
	}
	if len(aw) == 0 {
		return r
	}
	r.away = mean(aw) - r.base
	r.away7 = mean(aw7) - r.base
	r.minAway = math.Inf(1)
	dir := s.dir
	for _, v := range aw7 {
		r.minAway = math.Min(r.minAway, (v-r.base)*dir)
	}
	r.d = r.away7 / r.sd
	return r
}

func gazeX(p Pose) float32 { return p.GazeX }
func gazeY(p Pose) float32 { return p.GazeY }
func yaw(p Pose) float32   { return p.Yaw }

var (
	inputs     = []int{320, 640}
	frameSizes = []int{320, 640}
)

// onlineFlags replays a sequence as a live system would: the baseline is
// the median GazeX of the first n frames, and a frame is flagged when it
// deviates from it by more than thr. It returns the look-away frames
// flagged (f06–f10) and the centre frames after the baseline flagged.
func onlineFlags(s seq, smp []sample, n int, thr float64) (awayHit, awayN, falseHit, centreN int) {
	var b []float64
	for _, x := range smp[:n] {
		b = append(b, float64(x.pose.GazeX))
	}
	base := median(b)
	for _, x := range smp[n:] {
		flag := math.Abs(float64(x.pose.GazeX)-base) > thr
		if s.away(x.i) {
			awayN++
			if flag {
				awayHit++
			}
		} else {
			centreN++
			if flag {
				falseHit++
			}
		}
	}
	return
}

// TestMeasurements produces the tables MEASUREMENTS.md quotes and asserts
// the claims of its summary on them: every frame and still read with one
// face; GazeX moving beyond proctor.DefaultGazeShift towards the glance at every setting;
// at 640 input, centre frames within proctor.DefaultGazeShift of the baseline and every
// look-aside frame beyond it; the live replay at 640 input flagging 4 of 5
// look-aside frames and no centre frame; other people's absolute GazeX
// spanning more than proctor.DefaultGazeShift.
func TestMeasurements(t *testing.T) {
	var md strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&md, format, a...) }

	all := map[string][]sample{} // "folder/frame/input"
	key := func(s seq, size, in int) string { return fmt.Sprintf("%s/%d/%d", s.folder, size, in) }
	for _, s := range seqs {
		for _, in := range inputs {
			for _, size := range frameSizes {
				all[key(s, size, in)] = measure(t, s, size, in)
			}
		}
	}

	w("### Per frame (Yaw, GazeX, GazeY; P = pupils found; ΔX = GazeX − median of the centre frames)\n\n")
	for _, s := range seqs {
		for _, in := range inputs {
			w("**%s, YuNet input %dx%d**\n\n", s.folder, in, in*3/4)
			w("| frame | truth | 320: Yaw | GazeX | GazeY | P | ΔX | 640: Yaw | GazeX | GazeY | P | ΔX |\n")
			w("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
			a, b := all[key(s, 320, in)], all[key(s, 640, in)]
			ba, bb := separate(s, a, gazeX).base, separate(s, b, gazeX).base
			for k := range a {
				w("| f%02d | %s |", a[k].i, s.truth(a[k].i))
				for _, c := range []struct {
					x    sample
					base float64
				}{{a[k], ba}, {b[k], bb}} {
					p := c.x.pose
					if c.x.faces != 1 || !p.OK {
						t.Errorf("%s f%02d, input %d: %d faces, pose OK %v; every frame was measured with one face and a pose", s.folder, c.x.i, in, c.x.faces, p.OK)
						w(" faces=%d ok=%v | | | | |", c.x.faces, p.OK)
						continue
					}
					w(" %+.3f | %+.3f | %+.3f | %d | %+.3f |", p.Yaw, p.GazeX, p.GazeY, p.Pupils, float64(p.GazeX)-c.base)
				}
				w("\n")
			}
			w("\n")
		}
	}

	w("### Separation from the centre baseline (median of the centre frames)\n\n")
	w("σ = standard deviation of the centre frames; max|Δc| = largest centre deviation (frame); ")
	w("Δaway = mean deviation of f06–f10 / of f07–f10; min = smallest f07–f10 deviation in the expected direction; d = Δ(f07–f10)/σ.\n\n")
	w("| folder | input | frame | signal | baseline | σ | max\\|Δc\\| | Δaway f06–10 | Δaway f07–10 | min | d |\n")
	w("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range seqs {
		for _, in := range inputs {
			for _, size := range frameSizes {
				smp := all[key(s, size, in)]
				for _, sg := range []struct {
					name string
					f    func(Pose) float32
				}{{"GazeX", gazeX}, {"Yaw", yaw}, {"GazeY", gazeY}} {
					r := separate(s, smp, sg.f)
					if sg.name == "GazeX" {
						checkSeparation(t, s, in, size, r)
					}
					if s.dir == 0 {
						w("| %s | %d | %d | %s | %+.3f | %.3f | %.3f (f%02d) | | | | |\n", short(s), in, size, sg.name, r.base, r.sd, r.maxDev, r.worst)
						continue
					}
					w("| %s | %d | %d | %s | %+.3f | %.3f | %.3f (f%02d) | %+.3f | %+.3f | %+.3f | %+.1f |\n",
						short(s), in, size, sg.name, r.base, r.sd, r.maxDev, r.worst, r.away, r.away7, r.minAway, r.d)
				}
			}
		}
	}
	w("\n")

	w("### Live replay: baseline = median GazeX of the first n frames, flag when |GazeX − baseline| > T\n\n")
	w("Counts are look-away frames flagged (of f06–f10) / centre frames after the baseline flagged (false alarms).\n\n")
	w("| input | frame | n | T | LEFT hits | LEFT false | RIGHT hits | RIGHT false | centre_10s false |\n")
	w("|---|---|---|---|---|---|---|---|---|\n")
	for _, in := range inputs {
		for _, size := range frameSizes {
			for _, n := range []int{3, 5} {
				for _, thr := range []float64{0.04, 0.05, 0.06, 0.07} {
					w("| %d | %d | %d | %.2f |", in, size, n, thr)
					for _, s := range seqs[1:] {
						h, hn, f, fn := onlineFlags(s, all[key(s, size, in)], n, thr)
						w(" %d/%d | %d/%d |", h, hn, f, fn)
						if in == 640 && n == 5 && thr == proctor.DefaultGazeShift && (h < 4 || f > 0) {
							t.Errorf("live replay, %s, 640 input, %d frame: %d/%d look-aside frames flagged, %d/%d centre frames; measured 4/5 and 0", short(s), size, h, hn, f, fn)
						}
					}
					_, _, f, fn := onlineFlags(seqs[0], all[key(seqs[0], size, in)], n, thr)
					if in == 640 && n == 5 && thr == proctor.DefaultGazeShift && f > 0 {
						t.Errorf("live replay, center_10s, 640 input, %d frame: %d/%d centre frames flagged; measured 0", size, f, fn)
					}
					w(" %d/%d |\n", f, fn)
				}
			}
		}
	}
	w("\n")

	w("### Other people: single-face webcam stills (absolute values)\n\n")
	w("| still | input | iod px | OK | P | Yaw | GazeX | GazeY |\n|---|---|---|---|---|---|---|---|\n")
	spread := map[string][]float64{}
	for _, size := range frameSizes {
		for _, name := range oneFaceStills {
			for _, in := range inputs {
				rel := fmt.Sprintf("webcam%d/%s", size, name)
				img, fs := detectFaces(t, rel, in)
				if len(fs) != 1 {
					t.Errorf("%s, input %d: %d faces; measured one", rel, in, len(fs))
					w("| %s | %d | faces=%d | | | | | |\n", rel, in, len(fs))
					continue
				}
				p := Estimate(img, fs[0])
				l := fs[0].Landmarks
				iod := math.Hypot(float64(l[1].X-l[0].X), float64(l[1].Y-l[0].Y))
				w("| %s | %d | %.0f | %v | %d | %+.3f | %+.3f | %+.3f |\n", rel, in, iod, p.OK, p.Pupils, p.Yaw, p.GazeX, p.GazeY)
				if p.OK && p.Pupils == 2 && size == 640 && in == 640 {
					spread["Yaw"] = append(spread["Yaw"], float64(p.Yaw))
					spread["GazeX"] = append(spread["GazeX"], float64(p.GazeX))
					spread["GazeY"] = append(spread["GazeY"], float64(p.GazeY))
				}
			}
		}
	}
	w("\nAcross the stills at 640 frame / 640 input with both pupils:")
	for _, k := range []string{"Yaw", "GazeX", "GazeY"} {
		v := spread[k]
		w(" %s %+.3f…%+.3f (σ %.3f, n %d);", k, slices.Min(v), slices.Max(v), stddev(v), len(v))
	}
	w("\n")
	if n := len(spread["GazeX"]); n != len(oneFaceStills) {
		t.Errorf("%d of %d stills read with both pupils at 640/640; measured all", n, len(oneFaceStills))
	}
	if g := spread["GazeX"]; len(g) > 0 && slices.Max(g)-slices.Min(g) <= proctor.DefaultGazeShift {
		t.Errorf("GazeX across people spans %.3f, measured 0.152: wider than proctor.DefaultGazeShift, so absolute values do not transfer", slices.Max(g)-slices.Min(g))
	}

	t.Log("\n" + md.String())
	if *tablesOut != "" {
		if err := os.WriteFile(*tablesOut, []byte(md.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// oneFaceStills are the webcam stills with one frontal (or near-frontal)
// face of someone other than the person in the frame sequences.
var oneFaceStills = []string{
	"biden_headshoulders.jpg",
	"obama_480p.jpg",
	"obama_portrait.jpg",
	"obama_blueroom_headshoulders.jpg",
	"obama_partial_face.jpg",
	"pigo_sample.jpg",
}

func short(s seq) string {
	switch s.dir {
	case -1:
		return "left"
	case 1:
		return "right"
	}
	return "center_10s"
}

// checkSeparation asserts MEASUREMENTS.md's summary on one sequence's GazeX
// separation: the mean look-aside shift (f07–f10) exceeds proctor.DefaultGazeShift towards
// the glance at every setting (measured ≥ 0.080); at 640 input the centre
// frames stay within proctor.DefaultGazeShift of the baseline (measured ≤ 0.047) and every
// look-aside frame clears it (measured ≥ 0.092).
func checkSeparation(t *testing.T, s seq, in, size int, r separation) {
	t.Helper()
	where := fmt.Sprintf("%s, input %d, %d frame", short(s), in, size)
	if s.dir != 0 && r.away7*s.dir <= proctor.DefaultGazeShift {
		t.Errorf("%s: mean look-aside GazeX shift %+.3f, want beyond %.2f towards %+.0f", where, r.away7, proctor.DefaultGazeShift, s.dir)
	}
	if in != 640 {
		return
	}
	if r.maxDev >= proctor.DefaultGazeShift {
		t.Errorf("%s: a centre frame (f%02d) deviates %.3f from the baseline, want < %.2f", where, r.worst, r.maxDev, proctor.DefaultGazeShift)
	}
	if s.dir != 0 && r.minAway <= proctor.DefaultGazeShift {
		t.Errorf("%s: a look-aside frame shifts only %+.3f towards the glance, want > %.2f", where, r.minAway, proctor.DefaultGazeShift)
	}
}
