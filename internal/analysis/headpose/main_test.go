package headpose

import (
	"fmt"
	"os"
	"testing"

	"vigil/internal/onnxrt"
)

// sharedDir is the project's shared folder beside the repository, seen
// from this package's directory.
const sharedDir = "../../../../shared"

// TestMain loads ONNX Runtime for real. A missing library or shared folder
// fails the run; it never skips, so a CI without them cannot pass by
// testing nothing.
func TestMain(m *testing.M) {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: headpose tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	if _, err := os.Stat(sharedDir); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: headpose tests need the shared folder at %s: %v\n", sharedDir, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
