package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"vigil/internal/export"
	"vigil/internal/proctor"
	"vigil/internal/review"
)

// raiseExport takes the export menu's request (a session, an exam or the
// students chosen on the Student List).
func (s *Server) raiseExport(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, proctor.E(proctor.CodeInvalid, "the export request could not be read"))
		return
	}
	req := review.ExportRequest{Scope: proctor.ExportScope(r.PostForm.Get("scope")), Items: r.PostForm["items"]}
	var err error
	if req.SessionID, err = optionalID(r.PostForm.Get("session")); err == nil {
		req.ExamID, err = optionalID(r.PostForm.Get("exam"))
	}
	for _, raw := range r.PostForm["sessions"] {
		id, perr := strconv.ParseInt(raw, 10, 64)
		if perr != nil || id <= 0 {
			err = fmt.Errorf("bad session %q", raw)
		}
		req.SessionIDs = append(req.SessionIDs, id)
	}
	if err != nil {
		s.pageError(w, r, proctor.E(proctor.CodeInvalid, "the export request names a session or exam that is not a number"))
		return
	}
	e, err := s.Review.RequestExport(r.Context(), v.actor(r), req)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/exports?raised=%d#export-%d", e.ID, e.ID), http.StatusSeeOther)
}

func optionalID(raw string) (int64, error) {
	if raw == "" {
		return 0, nil
	}
	return strconv.ParseInt(raw, 10, 64)
}

// exportRow is one request on the Exports page.
type exportRow struct {
	review.ExportRow
	Link string
}

func (s *Server) exportRows(r *http.Request, v *viewer) ([]exportRow, error) {
	list, err := s.Review.ExportRows(r.Context(), v.actor(r))
	if err != nil {
		return nil, err
	}
	links, err := s.exportLinks(r)
	if err != nil {
		return nil, err
	}
	rows := make([]exportRow, len(list))
	for i, e := range list {
		rows[i] = exportRow{ExportRow: e}
		if e.State == proctor.ExportReady && s.Now().Before(e.ExpiresAt) {
			rows[i].Link = links.Path(&list[i].Export)
		}
	}
	return rows, nil
}

func (s *Server) exportsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	rows, err := s.exportRows(r, v)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	flash := ""
	if r.URL.Query().Get("raised") != "" {
		flash = "Request raised: the export is being built. You will get an email with its download link."
	}
	s.render(w, r, http.StatusOK, "exports", page{Title: "Exports", User: v.User, CSRF: v.CSRF, Flash: flash, Data: rows})
}

// exportStatus is what the Exports page polls while a build runs.
type exportStatus struct {
	ID         int64  `json:"id"`
	State      string `json:"state"`
	Label      string `json:"label"`
	Percent    int    `json:"percent"`
	FilesDone  int    `json:"files_done"`
	FilesTotal int    `json:"files_total"`
}

func (s *Server) exportsJSON(w http.ResponseWriter, r *http.Request, v *viewer) {
	list, err := s.Review.Exports(r.Context(), v.actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]exportStatus, len(list))
	for i, e := range list {
		out[i] = exportStatus{ID: e.ID, State: string(e.State), Label: e.State.Label(), Percent: e.Percent(),
			FilesDone: e.FilesDone, FilesTotal: e.FilesTotal}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) exportLinks(r *http.Request) (*export.Links, error) {
	return s.Review.ExportLinks(r.Context(), s.BaseURL)
}

// downloadExport serves an export's ZIP to the user the link was made for,
// while the link lasts; every download and every refusal is audited.
func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, proctor.E(proctor.CodeNotFound, "no such export"))
		return
	}
	a := v.actor(r)
	e, err := s.Review.Export(r.Context(), a, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	links, err := s.exportLinks(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := links.Check(e, r.URL.Query(), v.User.ID, s.Now()); err != nil {
		var lp *export.LinkProblem
		if !errors.As(err, &lp) {
			s.serverError(w, r, err)
			return
		}
		if aerr := s.Review.AuditDownload(r.Context(), a, e, lp.Code); aerr != nil {
			s.Log.Error("audit", "err", aerr)
		}
		s.render(w, r, lp.Status, "error", page{Title: "The export cannot be downloaded", User: v.User, CSRF: v.CSRF,
			Data: errorView{Message: lp.Message, RequestID: requestID(r.Context()), Back: "/exports"}})
		return
	}
	// A resumed download (a Range request) is the same download: audit the
	// first request only.
	if r.Header.Get("Range") == "" || strings.HasPrefix(r.Header.Get("Range"), "bytes=0-") {
		if err := s.Review.AuditDownload(r.Context(), a, e, ""); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if s.redirectToStore(w, r, e.BlobKey) {
		return
	}
	obj, err := s.Blobs.Open(r.Context(), e.BlobKey)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	defer obj.Close()
	w.Header().Set("Content-Type", "application/zip")
	name, err := s.Review.ExportFileName(r.Context(), e)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-SHA256", e.SHA256)
	http.ServeContent(w, r, "", e.FinishedAt, obj)
}
