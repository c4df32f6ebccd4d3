package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigil/internal/csvsafe"
	"vigil/internal/review"
)

func auditQuery(r *http.Request) review.AuditQuery {
	q := r.URL.Query()
	return review.AuditQuery{Course: q.Get("course"), User: q.Get("user"), Action: q.Get("action"),
		From: q.Get("from"), To: q.Get("to"), Before: q.Get("before")}
}

// auditPage is the audit log, newest first, filtered and paged.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	p, err := s.Review.AuditLog(r.Context(), v.actor(r), auditQuery(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	status := http.StatusOK
	if p.Error != "" {
		status = http.StatusBadRequest
	}
	filter := p.Query.Encode()
	view := auditView{AuditPage: p, CSV: withQuery("/admin/audit.csv", filter), Newest: withQuery("/admin/audit", filter)}
	if p.Next != 0 {
		view.Older = withQuery("/admin/audit", filter, "before="+strconv.FormatInt(p.Next, 10))
	}
	s.render(w, r, status, "audit", page{Title: "Audit log", User: v.User, CSRF: v.CSRF, Data: view})
}

// auditView is the page with the links that keep its filter.
type auditView struct {
	*review.AuditPage
	CSV, Newest, Older string
}

func withQuery(path string, parts ...string) string {
	var q []string
	for _, p := range parts {
		if p != "" {
			q = append(q, p)
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + strings.Join(q, "&")
}

// auditColumns are the CSV export's columns.
var auditColumns = []string{"id", "time_utc", "user_id", "who", "action", "course_id", "course", "subject", "detail", "remote"}

// auditCSV streams the entries the filter selects as CSV, newest first.
// Until the first row is written a refusal is a normal error page; a
// failure after that cuts the download off, so a partial file never looks
// complete.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, v *viewer) {
	var cw *csvsafe.Writer
	start := func() {
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="vigil-audit-`+s.Now().Format("20060102-1504")+`.csv"`)
		h.Set("Cache-Control", "no-store")
		cw = csvsafe.NewWriter(w)
		cw.Write(auditColumns)
	}
	err := s.Review.ExportAudit(r.Context(), v.actor(r), auditQuery(r), func(row review.AuditRow) error {
		if cw == nil {
			start()
		}
		return cw.Write(auditRecord(row))
	})
	if err != nil && cw == nil {
		s.pageError(w, r, err)
		return
	}
	if err != nil {
		s.Log.Error("audit export cut off", "id", requestID(r.Context()), "err", err)
		cw.Flush()
		panic(http.ErrAbortHandler)
	}
	if cw == nil {
		start() // nothing matched: the header row alone
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.Log.Warn("audit export", "id", requestID(r.Context()), "err", err)
	}
}

func auditRecord(row review.AuditRow) []string {
	return []string{
		strconv.FormatInt(row.ID, 10), row.At.UTC().Format(time.RFC3339), strconv.FormatInt(row.UserID, 10),
		row.Who, row.Action, strconv.FormatInt(row.CourseID, 10), row.Course, row.Subject, row.Detail, row.Remote,
	}
}
