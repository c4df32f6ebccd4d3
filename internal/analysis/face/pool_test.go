package face

import (
	"context"
	"errors"
	"image"
	"sync"
	"testing"
	"time"

	"vigil/internal/onnxrt"
)

func TestPoolConcurrent(t *testing.T) {
	rels := []string{
		"webcam320/two_people.jpg", "webcam640/three_business_people.jpg",
		"webcam320/desk_empty_320.jpg", "frames/eyes_center_10s/f01_640.jpg",
	}
	single := newTestDetector(t, Options{})
	imgs := make([]image.Image, len(rels))
	want := make([][]Face, len(rels))
	for i, rel := range rels {
		imgs[i] = loadJPEG(t, rel)
		want[i] = detect(t, single, imgs[i])
	}

	p, err := NewPool(3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 6 {
				i := (g + k) % len(imgs)
				got, err := p.Detect(context.Background(), imgs[i])
				if err != nil {
					errs <- err
					return
				}
				if !sameFaces(got, want[i], 1e-3) {
					errs <- errors.New(rels[i] + ": pool result differs from a single detector")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPoolContextAndClose(t *testing.T) {
	p, err := NewPool(1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img := loadJPEG(t, "webcam320/two_people.jpg")

	// Hold the only detector so the next caller must wait on its context.
	err = p.models.Use(context.Background(), func(single) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := p.Detect(ctx, img)
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("busy pool: err %v, want deadline exceeded", err)
	}

	if faces, err := p.Detect(context.Background(), img); err != nil || len(faces) != 2 {
		t.Errorf("Detect: %d faces, err %v", len(faces), err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := p.Detect(context.Background(), img); !errors.Is(err, onnxrt.ErrPoolClosed) {
		t.Errorf("after Close: err %v, want ErrPoolClosed", err)
	}
	if _, err := NewPool(0, Options{}); err == nil {
		t.Error("NewPool(0): no error")
	}
}
