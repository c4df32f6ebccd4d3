package voice

import (
	"os"
	"testing"

	"vigil/internal/analysis/modeltest"
)

func TestMain(m *testing.M) {
	os.Exit(modeltest.Run(m, "voice", modeltest.Need{
		What:  "the Silero VAD v5 model (scripts/setup-vad)",
		Check: func() error { return checkModel(DefaultModelPath()) }}))
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
