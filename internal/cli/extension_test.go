package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExtensionPack(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	zipPath := filepath.Join(dir, "vigil-extension.zip")
	if code := Run(t.Context(), []string{"extension", "pack", "--out", zipPath}, nil, &out, &errOut); code != 0 {
		t.Fatalf("pack zip: %d %s", code, errOut.String())
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
	}
	for _, want := range []string{"manifest.json", "background.js", "content.js", "popup.html", "popup.js"} {
		if !names[want] {
			t.Errorf("the ZIP lacks %s", want)
		}
	}
	if code := Run(t.Context(), []string{"extension", "pack", "--out", filepath.Join(dir, "unpacked")}, nil, &out, &errOut); code != 0 {
		t.Fatalf("pack folder: %d %s", code, errOut.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "unpacked", "manifest.json"))
	var m struct {
		ManifestVersion int `json:"manifest_version"`
	}
	if err != nil || json.Unmarshal(data, &m) != nil || m.ManifestVersion != 3 {
		t.Fatalf("unpacked manifest: %v %s", err, data)
	}
	errOut.Reset()
	if code := Run(t.Context(), []string{"extension", "pack"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "--out is required") {
		t.Fatalf("no --out: %d %s", code, errOut.String())
	}
}
