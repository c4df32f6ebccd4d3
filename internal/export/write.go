package export

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"time"

	"vigil/internal/proctor"
)

// Manifest lists every file of an export with its size and SHA-256.
type Manifest struct {
	ExportID  int64          `json:"export_id"`
	CourseID  int64          `json:"course_id"`
	Scope     string         `json:"scope"`
	Items     []string       `json:"items"`
	Sessions  []int64        `json:"sessions"`
	CreatedAt string         `json:"created_at"`
	Files     []ManifestFile `json:"files"`
}

// ManifestFile is one file of the manifest.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Progress is how far a write is.
type Progress struct {
	FilesDone, FilesTotal int
	Bytes                 int64 // bytes of the files written so far (before compression)
}

// progressEvery is how many bytes may pass between progress reports
// inside one large file.
const progressEvery = 8 << 20

// Write writes the ZIP of files to w, then manifest.json and SHA256SUMS,
// and reports progress after each file (and every few megabytes inside a
// large one). It stops at the first error, ctx's included.
func Write(ctx context.Context, e *proctor.Export, files []file, w io.Writer, report func(Progress)) (*Manifest, error) {
	zw := zip.NewWriter(w)
	m := &Manifest{ExportID: e.ID, CourseID: e.CourseID, Scope: string(e.Scope), Sessions: e.SessionIDs,
		CreatedAt: timeText(e.CreatedAt), Files: make([]ManifestFile, 0, len(files))}
	for _, it := range e.Items {
		m.Items = append(m.Items, string(it))
	}
	p := Progress{FilesTotal: len(files)}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if seen[f.path] {
			return nil, fmt.Errorf("export: %s planned twice", f.path)
		}
		seen[f.path] = true
		mf, err := writeFile(ctx, zw, f, &p, report)
		if err != nil {
			return nil, fmt.Errorf("export: %s: %w", f.path, err)
		}
		m.Files = append(m.Files, mf)
		p.FilesDone++
		report(p)
	}
	if err := writeManifest(zw, m); err != nil {
		return nil, err
	}
	return m, zw.Close()
}

func writeFile(ctx context.Context, zw *zip.Writer, f file, p *Progress, report func(Progress)) (ManifestFile, error) {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: f.path, Method: f.method, Modified: time.Now().UTC()})
	if err != nil {
		return ManifestFile{}, err
	}
	h := &hashingWriter{w: w, h: sha256.New(), p: p, report: report, next: p.Bytes + progressEvery}
	if err := f.write(ctx, h); err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Path: f.path, Size: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}, nil
}

// hashingWriter hashes and counts what passes into a ZIP entry, and
// reports progress now and then.
type hashingWriter struct {
	w      io.Writer
	h      hash.Hash
	n      int64
	p      *Progress
	report func(Progress)
	next   int64
}

func (hw *hashingWriter) Write(b []byte) (int, error) {
	n, err := hw.w.Write(b)
	hw.h.Write(b[:n])
	hw.n += int64(n)
	hw.p.Bytes += int64(n)
	if hw.p.Bytes >= hw.next {
		hw.next = hw.p.Bytes + progressEvery
		hw.report(*hw.p)
	}
	return n, err
}

func writeManifest(zw *zip.Writer, m *Manifest) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	w, err = zw.CreateHeader(&zip.FileHeader{Name: "SHA256SUMS", Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return err
	}
	for _, f := range m.Files {
		if _, err := fmt.Fprintf(w, "%s  %s\n", f.SHA256, f.Path); err != nil {
			return err
		}
	}
	return nil
}
