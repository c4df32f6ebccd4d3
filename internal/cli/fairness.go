package cli

import (
	"context"
	"errors"
	"flag"
	"path/filepath"

	"vigil/internal/fairness"
	"vigil/internal/onnxrt"
)

const fairnessUsage = `Measures face-detection recall per demographic group, in normal and dim light,
on the evaluation set of the shared docs/FAIRNESS.md, re-created locally from a
checkout of its source repository (UTKFace crops, research use only: keep them
out of every repository). Prints the tables of docs/DETECTION.md.

  git clone https://github.com/bagashvilit/facial_recognition_bias src
  git -C src checkout abe87302
  vigil fairness --source src`

func runFairness(ctx context.Context, e env, args []string) error {
	var source, mediaDir *string
	var seed *int64
	var perGroup *int
	cfg, err := parseConfig(e, "fairness", fairnessUsage, args, func(fs *flag.FlagSet) {
		source = fs.String("source", "", "a checkout of the source repository (with data/images and data/random_200)")
		mediaDir = fs.String("media", filepath.Join(sharedRoot, "media"), "the shared media `folder`, for false positives on frames without a face")
		seed = fs.Int64("seed", fairness.DefaultSeed, "the sampling and layout seed")
		perGroup = fs.Int("per-group", fairness.DefaultPerGroup, "faces per group")
	})
	if err != nil {
		return err
	}
	if *source == "" {
		return errors.New("--source is required (see `vigil fairness --help`)")
	}
	if err := onnxrt.Init(cfg.ONNXRuntimeLib); err != nil {
		return err
	}
	return fairness.Run(ctx, fairness.Options{SourceDir: *source, MediaDir: *mediaDir, Seed: *seed, PerGroup: *perGroup}, e.stdout)
}
