package web

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"vigil/internal/metrics"
	"vigil/internal/proctor"
)

// maxFormBytes bounds an HTML form's body. Vigil's forms carry a few
// fields of text (the longest is a note), so 64 KiB is plenty.
const maxFormBytes = 64 << 10

// limitForms is the one place request bodies of forms are read. No Vigil
// form takes files, so a multipart body is refused before anything parses
// it: net/http would spool its parts into temporary files that a handler
// behind a request copy (WithContext) never removes, an unauthenticated
// way to fill the disk. An urlencoded body is parsed here, eagerly, under
// maxFormBytes, so that handlers reading r.PostFormValue see a parsed
// form and never parse again. Other bodies (the API's JSON and media)
// pass untouched: their handlers read them under their own limits. So
// does the one multipart body of the API, a batch of uploads
// (apiPostUploads), which is read part by part into memory under its
// limit and never spooled to files.
func (s *Server) limitForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		switch formKind(r) {
		case "multipart":
			s.formError(w, r, proctor.E(proctor.CodeUnsupportedMedia,
				"this address takes no file uploads: send the form as application/x-www-form-urlencoded"))
			return
		case "urlencoded":
			if err := parseSmallForm(w, r); err != nil {
				s.formError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// formKind is "multipart", "urlencoded" or "" (any other body) for the
// request's Content-Type. An API request's body is never a form.
func formKind(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case strings.HasPrefix(mt, "multipart/") && metrics.UploadKind(r) != "batch":
		return "multipart"
	case mt == "application/x-www-form-urlencoded" && !strings.HasPrefix(r.URL.Path, "/api/"):
		return "urlencoded"
	}
	return ""
}

// parseSmallForm parses an urlencoded body of at most maxFormBytes.
func parseSmallForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return proctor.E(proctor.CodeTooLarge, "the form is larger than %d KiB", maxFormBytes>>10)
	case err != nil:
		return proctor.E(proctor.CodeInvalid, "the form could not be read")
	}
	return nil
}

// formError answers a refused body as the API or a page would.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, err)
}
