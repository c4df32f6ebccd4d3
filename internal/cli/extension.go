package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"vigil/extension"
)

const extensionUsage = `Writes Vigil's browser extension (Chromium, Manifest V3) for students:

  vigil extension pack --out vigil-extension.zip   a ZIP for the Chrome Web Store or a browser policy
  vigil extension pack --out vigil-extension/      a folder to load unpacked (chrome://extensions, Developer mode)

docs/COMPANIONS.md says how students install it and what it reports.`

func runExtension(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "pack" {
		fmt.Fprintln(e.stderr, extensionUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("extension pack", flag.ContinueOnError)
	out := fs.String("out", "", "where to write it: a `path` ending in .zip, or a folder")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: vigil extension pack --out PATH\n\n%s\n\nFlags:\n", extensionUsage)
		fs.PrintDefaults()
	}
	if err := parse(e, fs, args[1:], nil); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required: a .zip file or a folder")
	}
	if !strings.HasSuffix(strings.ToLower(*out), ".zip") {
		if err := extension.WriteDir(*out); err != nil {
			return fmt.Errorf("extension: %w", err)
		}
		fmt.Fprintf(e.stdout, "wrote the extension to %s (load it unpacked)\n", *out)
		return nil
	}
	return writeZip(e, *out)
}

func writeZip(e env, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("extension: %w", err)
	}
	if err := extension.WriteZip(f); err != nil {
		f.Close()
		return fmt.Errorf("extension: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("extension: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote the extension to %s\n", path)
	return nil
}
