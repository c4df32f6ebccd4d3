package eval_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"

	"vigil/internal/analysis"
	"vigil/internal/analysis/identity"
	"vigil/internal/analysis/voice"
	"vigil/internal/eval"
	"vigil/internal/onnxrt"
)

// TestIdentityEvaluation runs the identity evaluation of `vigil eval` on
// the shared media and FairFace with the server's model and threshold:
// every group within the targets (false accepts ≤ 1 %, false rejects
// ≤ 5 %, also as a dim webcam frame), no real same-person pair of the
// shared media rejected, and a face found on every picture but the one at
// 8 % brightness and one FairFace photo.
func TestIdentityEvaluation(t *testing.T) {
	m := analysis.NewModels(1, analysis.ModelFiles{RuntimeLib: onnxrt.DefaultLibPath(), Voice: voice.DefaultModelPath(),
		Embedding: identity.Options{Path: identity.DefaultModelPath()}})
	t.Cleanup(func() { m.Close() })
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	rep, err := eval.RunIdentity(context.Background(), eval.IdentityOptions{Media: os.DirFS("../../../shared/media"),
		FairFace: os.DirFS("../../../shared/fairface"), Identity: m.Identity()})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table, "the stand-in model"); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
	if err := rep.Check(); err != nil {
		t.Error(err)
	}
	if len(rep.Groups) != 7 || rep.Faces < 570 {
		t.Errorf("%d groups, %d FairFace faces compared; want 7 groups and all but a face or two of 572", len(rep.Groups), rep.Faces)
	}
	if s := rep.SamePerson; s.Pairs < 100 || s.Errors != 0 {
		t.Errorf("same-person pairs of the shared media: %+v, want none rejected", s)
	}
	wantNoFace := []string{"stills/derived_biden_dark.jpg", "webcam320/derived_biden_dark.jpg",
		"fairface/East_Asian/Female_40-49_V6_EastAsian_Female_40s.jpg"}
	if !slices.Equal(rep.NoFace, wantNoFace) {
		t.Errorf("no face found on %v, want %v", rep.NoFace, wantNoFace)
	}
}
