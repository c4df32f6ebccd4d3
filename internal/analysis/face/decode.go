package face

import (
	"fmt"
	"image"
	"math"
	"slices"
)

// YuNet predicts on three feature maps, one per stride (pixels per cell).
var strides = [...]int{8, 16, 32}

// outputKinds lists the model's per-stride outputs and values per cell, in
// the order the detector's output tensors are allocated: kind-major, then
// stride, i.e. cls_8, cls_16, cls_32, obj_8, ...
var outputKinds = [...]struct {
	name  string
	width int
}{{"cls", 1}, {"obj", 1}, {"bbox", 4}, {"kps", 10}}

func outputNames() []string {
	names := make([]string, 0, len(outputKinds)*len(strides))
	for _, k := range outputKinds {
		for _, s := range strides {
			names = append(names, fmt.Sprintf("%s_%d", k.name, s))
		}
	}
	return names
}

// head is one stride's outputs, as views into the output tensors.
type head struct {
	stride, cols        int
	cls, obj, bbox, kps []float32
}

func (d *Detector) bindHeads() {
	n := len(strides)
	for i, s := range strides {
		d.heads[i] = head{
			stride: s,
			cols:   d.padW / s,
			cls:    d.outputs[0*n+i].GetData(),
			obj:    d.outputs[1*n+i].GetData(),
			bbox:   d.outputs[2*n+i].GetData(),
			kps:    d.outputs[3*n+i].GetData(),
		}
	}
}

// decode appends every cell scoring at least the threshold, in network
// input coordinates.
func (d *Detector) decode(dst []Face) []Face {
	// score = sqrt(cls*obj) >= t  <=>  cls*obj >= t*t: skip the sqrt for the
	// thousands of background cells.
	minProduct := d.opts.Threshold * d.opts.Threshold
	for i := range d.heads {
		dst = d.heads[i].decode(dst, minProduct)
	}
	return dst
}

func (h *head) decode(dst []Face, minProduct float32) []Face {
	s := float32(h.stride)
	for idx := range h.cls {
		p := clamp01(h.cls[idx]) * clamp01(h.obj[idx])
		if p < minProduct {
			continue
		}
		c, r := float32(idx%h.cols), float32(idx/h.cols)
		b := h.bbox[idx*4 : idx*4+4 : idx*4+4]
		w := float32(math.Exp(float64(b[2]))) * s
		ht := float32(math.Exp(float64(b[3]))) * s
		f := Face{
			X:     (c+b[0])*s - w/2,
			Y:     (r+b[1])*s - ht/2,
			W:     w,
			H:     ht,
			Score: float32(math.Sqrt(float64(p))),
		}
		k := h.kps[idx*10 : idx*10+10 : idx*10+10]
		for n := range f.Landmarks {
			f.Landmarks[n] = Point{(k[2*n] + c) * s, (k[2*n+1] + r) * s}
		}
		dst = append(dst, f)
	}
	return dst
}

func clamp01(v float32) float32 {
	return min(max(v, 0), 1)
}

// nms keeps the highest-scoring box of every group overlapping by more than
// iou, in place, and returns the kept boxes by descending score.
func nms(faces []Face, iou float32) []Face {
	slices.SortFunc(faces, func(a, b Face) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	kept := faces[:0]
	for _, f := range faces {
		if !overlapsAny(f, kept, iou) {
			kept = append(kept, f)
		}
	}
	return kept
}

func overlapsAny(f Face, kept []Face, iou float32) bool {
	for _, k := range kept {
		if boxIoU(f, k) > iou {
			return true
		}
	}
	return false
}

func boxIoU(a, b Face) float32 {
	iw := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	ih := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / (a.W*a.H + b.W*b.H - inter)
}

// scaleFace maps a face from network input to image coordinates.
func scaleFace(f Face, sx, sy, ox, oy float32) Face {
	f.X, f.Y = f.X*sx+ox, f.Y*sy+oy
	f.W, f.H = f.W*sx, f.H*sy
	for i, p := range f.Landmarks {
		f.Landmarks[i] = Point{p.X*sx + ox, p.Y*sy + oy}
	}
	return f
}

// clampBox limits the box to the image; ok is false if nothing is left.
func clampBox(f Face, b image.Rectangle) (Face, bool) {
	x0 := max(f.X, float32(b.Min.X))
	y0 := max(f.Y, float32(b.Min.Y))
	x1 := min(f.X+f.W, float32(b.Max.X))
	y1 := min(f.Y+f.H, float32(b.Max.Y))
	if x1 <= x0 || y1 <= y0 {
		return f, false
	}
	f.X, f.Y, f.W, f.H = x0, y0, x1-x0, y1-y0
	return f, true
}
