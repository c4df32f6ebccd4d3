package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files at content-hashed URLs
// (/static/player.3fa2b1c4.js), so browsers may cache them for ever and a
// new release is never mixed with an old cached script.
type assets struct {
	byName map[string]string // "player.js" → "/static/player.3fa2b1c4.js"
	files  map[string][]byte // "player.3fa2b1c4.js" → content
	// plain holds the files under their own names too: JavaScript modules
	// import each other by relative name ("./queue.js"), which cannot know
	// the hash. Those are served for revalidation, not cached for ever.
	plain map[string][]byte
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]string{}, files: map[string][]byte{}, plain: map[string][]byte{}}
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
		a.byName[name] = "/static/" + hashed
		a.files[hashed] = data
		a.plain[name] = data
		return nil
	})
	return a, err
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

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	cache := "public, max-age=31536000, immutable"
	data, ok := s.assets.files[name]
	if !ok {
		if data, ok = s.assets.plain[name]; !ok {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(data)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
		cache = "no-cache"
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", cache)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}
