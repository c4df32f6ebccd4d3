package face

import (
	"context"
	"errors"
	"testing"
)

func TestLazyPool(t *testing.T) {
	boom := errors.New("no runtime here")
	calls := 0
	broken := NewLazyPool(1, Options{}, func() error { calls++; return boom })
	img := loadJPEG(t, "webcam320/two_people.jpg")
	for range 2 {
		if _, err := broken.Detect(context.Background(), img); !errors.Is(err, boom) {
			t.Fatalf("Detect with a failing load: %v", err)
		}
	}
	if calls != 1 || broken.Loaded() || broken.Close() != nil {
		t.Fatalf("load called %d times, loaded %v", calls, broken.Loaded())
	}

	ok := NewLazyPool(2, Options{}, func() error { return nil }) // TestMain loaded the runtime
	if ok.Loaded() {
		t.Fatal("loaded before first use")
	}
	faces, err := ok.Detect(context.Background(), img)
	if err != nil || len(faces) != 2 || !ok.Loaded() {
		t.Fatalf("Detect: %d faces, err %v", len(faces), err)
	}
	if err := ok.Close(); err != nil {
		t.Fatal(err)
	}
}
