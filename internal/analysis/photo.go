package analysis

import (
	"context"
	"fmt"
	"image"

	"vigil/internal/analysis/face"
	"vigil/internal/proctor"
)

// PhotoCheck is the server's verdict on an identity photo, told to the
// student at once so they can retake it.
type PhotoCheck struct {
	Passed   bool
	Reason   string // in words a student understands
	Faces    int
	MeanLuma float64
}

// Brightness limits for identity photos (mean luma, 0–255). A face is
// judged by its own box, not the whole frame, so a well-lit face in front of
// a dark wall passes; without a face the whole frame is judged.
const (
	darkFaceLuma  = 40
	darkFrameLuma = 20
)

// CheckPhoto judges an identity photo: a face photo needs exactly one face,
// a photo ID needs a face on it, a room photo only needs to be visible.
func CheckPhoto(ctx context.Context, det Detector, kind proctor.PhotoKind, data []byte) (PhotoCheck, error) {
	img, err := DecodeJPEG(data)
	if err != nil {
		return PhotoCheck{}, err
	}
	faces, err := det.Detect(ctx, img)
	if err != nil {
		return PhotoCheck{}, fmt.Errorf("analysis: photo face detection: %w", err)
	}
	check := PhotoCheck{Faces: len(faces), MeanLuma: face.MeanLuma(img)}
	limit := float64(darkFrameLuma)
	if len(faces) > 0 {
		check.MeanLuma, limit = faceLuma(img, faces[0]), darkFaceLuma
	}
	if check.MeanLuma < limit {
		check.Reason = "too dark: turn on a light or face a window, then retake"
		return check, nil
	}
	check.Passed, check.Reason = judgePhoto(kind, check)
	return check, nil
}

// faceLuma is the mean brightness inside a face's box.
func faceLuma(img image.Image, f face.Face) float64 {
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return face.MeanLuma(img)
	}
	r := image.Rect(int(f.X), int(f.Y), int(f.X+f.W), int(f.Y+f.H)).Intersect(img.Bounds())
	if r.Empty() {
		return face.MeanLuma(img)
	}
	return face.MeanLuma(sub.SubImage(r))
}

func judgePhoto(kind proctor.PhotoKind, c PhotoCheck) (bool, string) {
	switch kind {
	case proctor.PhotoFace:
		switch {
		case c.Faces == 0:
			return false, "no face found: look straight at the camera with your whole face in the frame"
		case c.Faces > 1:
			return false, fmt.Sprintf("%d faces found: only you may be in the picture", c.Faces)
		}
		return true, "one face found"
	case proctor.PhotoID:
		if c.Faces == 0 {
			return false, "no face found on the ID: hold the photo side of the ID close to the camera"
		}
		return true, "a face was found on the ID"
	}
	return true, "room photo received"
}
