package devlms

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// contentSecurityPolicy is sent with every page: no inline script or style,
// tools may be framed and forms may post to them.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src http: https:; form-action 'self' http: https:; object-src 'none'; base-uri 'none'"

// pageSet holds one template per page, each joined with the layout.
type pageSet map[string]*template.Template

func loadPages() (pageSet, error) {
	layout, err := template.ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("devlms: layout template: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := pageSet{}
	for _, name := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, name)
		if err != nil {
			return nil, fmt.Errorf("devlms: template %s: %w", name, err)
		}
		pages[page] = t
	}
	return pages, nil
}

// renderPage writes a page of the UI. data is the page's map; "Title" is
// its title.
func (p *Platform) renderPage(w http.ResponseWriter, status int, page string, data map[string]any) {
	t, ok := p.pages[page]
	if !ok {
		http.Error(w, "devlms: no page "+page, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		log.Printf("devlms: render %s: %v", page, err)
		http.Error(w, "devlms: render "+page+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderProblem writes an error page naming the problem.
func (p *Platform) renderProblem(w http.ResponseWriter, status int, title, problem string) {
	p.renderPage(w, status, "problem", map[string]any{"Title": title, "Problem": problem})
}

// autoPostField is one hidden field of an auto-submitting form.
type autoPostField struct{ Name, Value string }

// renderAutoPost writes a page whose form posts fields to action as soon
// as it loads (static/autopost.js); its Continue button works without
// JavaScript.
func (p *Platform) renderAutoPost(w http.ResponseWriter, action string, fields url.Values, title string) {
	var list []autoPostField
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range fields[name] {
			list = append(list, autoPostField{name, v})
		}
	}
	p.renderPage(w, http.StatusOK, "autopost", map[string]any{"Title": title, "Action": action, "Fields": list})
}

// writeJSON writes v as JSON with a media type.
func writeJSON(w http.ResponseWriter, status int, mediaType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "devlms: encode JSON: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(status)
	w.Write(body)
}

// staticHandler serves the UI's scripts and stylesheet.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}
