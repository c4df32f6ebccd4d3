package fairness

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
)

// Environment of TestRealSet, which measures the set of FAIRNESS.md. The
// research images are not in the repository (their licence is research
// only), so the test runs only when pointed at a checkout of them:
//
//	VIGIL_FAIRNESS_SRC=/work/main/.cache/fairness-src \
//	VIGIL_FAIRNESS_MEDIA=/work/shared/media \
//	VIGIL_FAIRNESS_OUT=/tmp/fairness.md \
//	go test -run TestRealSet -timeout 60m -v ./internal/fairness/
const (
	envSource   = "VIGIL_FAIRNESS_SRC"
	envMedia    = "VIGIL_FAIRNESS_MEDIA"
	envOut      = "VIGIL_FAIRNESS_OUT"
	envPerGroup = "VIGIL_FAIRNESS_PER_GROUP" // optional, for a quick look
	envSeed     = "VIGIL_FAIRNESS_SEED"      // optional, to see how much the sample matters
)

func TestRealSet(t *testing.T) {
	src := os.Getenv(envSource)
	if src == "" {
		t.Skipf("set %s to a checkout of bagashvilit/facial_recognition_bias to measure the real set", envSource)
	}
	opts := Options{SourceDir: src, MediaDir: os.Getenv(envMedia)}
	if v := os.Getenv(envPerGroup); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s: %v", envPerGroup, err)
		}
		opts.PerGroup = n
	}
	if v := os.Getenv(envSeed); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", envSeed, err)
		}
		opts.Seed = n
	}
	var buf bytes.Buffer
	if err := Run(context.Background(), opts, &buf); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + buf.String())
	if out := os.Getenv(envOut); out != "" {
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
