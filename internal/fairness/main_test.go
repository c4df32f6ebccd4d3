package fairness

import (
	"fmt"
	"os"
	"testing"

	"vigil/internal/onnxrt"
)

// TestMain loads ONNX Runtime for the end-to-end tests. A missing library
// fails the run with Init's message (which says how to fetch it), as in the
// face package: a CI without the runtime must not pass by testing nothing.
func TestMain(m *testing.M) {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: fairness tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
