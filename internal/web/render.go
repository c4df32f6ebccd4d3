package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"vigil/internal/proctor"
)

//go:embed templates
var templateFS embed.FS

// page is the data every page template gets.
type page struct {
	Title   string
	User    *proctor.User
	CSRF    string
	HelpURL string
	Flash   string // a one-line message at the top (after a form post)
	Data    any
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":          s.assets.url,
		"date":           func(t time.Time) string { return fmtTime(t, "2 Jan 2006 15:04 MST") },
		"clock":          func(t time.Time) string { return fmtTime(t, "15:04:05") },
		"dur":            fmtDuration,
		"offset":         fmtOffset,
		"types":          func() []proctor.ViolationType { return proctor.ViolationTypes },
		"countOf":        func(m map[proctor.ViolationType]int, t proctor.ViolationType) int { return m[t] },
		"join":           strings.Join,
		"pct":            func(f float64) float64 { return f * 100 },
		"rule":           func(st proctor.Settings, t proctor.ViolationType) *proctor.Rule { return st.Rule(t) },
		"thresholdLabel": func(t proctor.ViolationType) string { return thresholdTypes[t] },
		"weight":         func(p proctor.Policy, t proctor.ViolationType) float64 { return p.Weight(t) },
		"failsAtOnce":    func(p proctor.Policy, t proctor.ViolationType) bool { return slices.Contains(p.FailAtOnce, t) },
		"lines":          func(xs []string) string { return strings.Join(xs, "\n") },
		"isOff": func(a *proctor.Accommodation, t proctor.ViolationType) bool {
			return a != nil && slices.Contains(a.Off, t)
		},
		"since":       func(t, origin time.Time) string { return fmtOffset(t.Sub(origin).Milliseconds()) },
		"sentence":    sentence,
		"short":       func(t time.Time) string { return fmtTime(t, "2 Jan 15:04") },
		"exportItems": func() []proctor.ExportItem { return proctor.ExportItems },
		// defaultItem: the menu starts with the light items ticked; video
		// and photos are large and personal, so they are asked for.
		"defaultItem": func(i proctor.ExportItem) bool {
			return i == proctor.ItemSummary || i == proctor.ItemViolations || i == proctor.ItemEvents || i == proctor.ItemSnapshots
		},
		"mb":    func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) },
		"stamp": func(t time.Time) string { return fmtTime(t, "2006-01-02 15:04:05") },
		"zone":  func() string { return time.Now().Local().Format("MST, -07:00") },
		"day":   func(t time.Time) string { return fmtTime(t, "2 Jan 2006") },
		// utc and iso write a time for the localtime.js module, which shows
		// it in the viewer's zone: the text is UTC, named, without script.
		"utc": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"perSession": perSession,
		"percent":    func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"hms": func(d time.Duration) string {
			if d <= 0 {
				return "—"
			}
			return fmtClock(d)
		},
	}
}

// parsePages parses layout.html and the partials (files named
// partial_*.html, blocks several pages share) with each page template.
func (s *Server) parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html"}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "partial_") {
			shared = append(shared, n)
		}
	}
	// Partials in templates/partials/: small blocks several pages share,
	// kept in files of their own.
	partials, err := fs.Glob(templateFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	shared = append(shared, partials...)
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if slices.Contains(shared, n) {
			continue
		}
		t, err := template.New(base).Funcs(s.funcs()).ParseFS(templateFS, append(slices.Clone(shared), n)...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("web: no page %q", name))
		return
	}
	p.HelpURL = s.HelpURL
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	writeCompressed(w, r, status, buf.Bytes())
}

func fmtTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format(layout)
}

// fmtDuration writes 1h02m03s as "1:02:03" and 2m03s as "2:03".
func fmtDuration(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return fmtOffset(d.Milliseconds())
}

func fmtOffset(ms int64) string {
	sec := max(ms, 0) / 1000
	h, m, s := sec/3600, sec/60%60, sec%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// sentence capitalises the first letter of a reason for display.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
