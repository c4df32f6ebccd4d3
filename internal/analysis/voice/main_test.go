package voice

import (
	"fmt"
	"os"
	"testing"

	"vigil/internal/onnxrt"
)

// TestMain loads ONNX Runtime and checks the Silero model for real. A
// missing library or model fails the run with a message saying how to
// fetch it; it never skips, so a CI without them cannot pass by testing
// nothing.
func TestMain(m *testing.M) {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: voice tests need ONNX Runtime (scripts/setup-onnxruntime, `make setup`):", err)
		os.Exit(1)
	}
	if err := checkModel(DefaultModelPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: voice tests need the Silero VAD v5 model (run scripts/setup-vad):", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func newTestDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := NewDetector(DefaultModelPath())
	if err != nil {
		t.Fatalf("NewDetector: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
