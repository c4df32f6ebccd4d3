package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files at content-hashed URLs
// (/static/player.3fa2b1c4.js), so browsers may cache them for ever and a
// new release is never mixed with an old cached script. Text files are
// gzipped once, at start, and served compressed to browsers that accept it.
type assets struct {
	byName map[string]string // "player.js" → "/static/player.3fa2b1c4.js"
	files  map[string]*asset // "player.3fa2b1c4.js" → content
	// plain holds the files under their own names too: JavaScript modules
	// import each other by relative name ("./queue.js"), which cannot know
	// the hash. Those are served for revalidation, not cached for ever.
	plain map[string]*asset
}

// asset is one static file: its bytes, their gzip when that is smaller,
// and the ETag of the content.
type asset struct {
	data, gz []byte
	etag     string
}

// compressible are the types worth gzipping (images and fonts are
// compressed already).
var compressible = map[string]bool{".js": true, ".css": true, ".html": true, ".svg": true, ".json": true, ".txt": true, ".map": true}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]string{}, files: map[string]*asset{}, plain: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(data)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		f := &asset{data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if compressible[ext] {
			if f.gz, err = gzipBytes(data); err != nil {
				return err
			}
			if len(f.gz) >= len(data) {
				f.gz = nil
			}
		}
		a.byName[name] = "/static/" + hashed
		a.files[hashed] = f
		a.plain[name] = f
		return nil
	})
	return a, err
}

func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	err = zw.Close()
	return buf.Bytes(), err
}

// url returns the hashed URL of a static file; a missing one is a bug caught
// when the templates first render in tests.
func (a *assets) url(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return u, nil
}

// static serves a static file: at its hashed name cached for a year and
// immutable, at its plain name revalidated by ETag; gzipped when the
// browser accepts it.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	cache := "public, max-age=31536000, immutable"
	f, ok := s.assets.files[name]
	if !ok {
		if f, ok = s.assets.plain[name]; !ok {
			s.notFoundPage(w, r)
			return
		}
		cache = "no-cache"
	}
	h := w.Header()
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set("Cache-Control", cache)
	h.Set("ETag", f.etag)
	data := f.data
	if f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			data = f.gz
			h.Set("Content-Encoding", "gzip")
			h.Set("ETag", strings.TrimSuffix(f.etag, `"`)+`-gz"`)
		}
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (and does not refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") || strings.TrimSpace(coding) == "*" {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// gzipPool keeps page compressors between requests.
var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// minGzip: smaller bodies are not worth compressing.
const minGzip = 1024

// writeCompressed writes a rendered body, gzipped when the browser takes
// it and it is large enough to gain.
func writeCompressed(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if len(body) < minGzip || !acceptsGzip(r) {
		w.WriteHeader(status)
		w.Write(body)
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	w.WriteHeader(status)
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(w)
	zw.Write(body)
	zw.Close()
	gzipPool.Put(zw)
}
