package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigil/internal/csvsafe"
	"vigil/internal/proctor"
	"vigil/internal/review"
)

// studentListPage is an exam's Student List: filtered, sorted and paged by
// the URL's query (review.ListQuery), so every view of it is a link.
func (s *Server) studentListPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.StudentListPage
	if err == nil {
		p, err = s.Review.StudentList(r.Context(), v.actor(r), id, review.ParseListQuery(r.URL.Query()))
	}
	var explained map[int64]int
	if err == nil {
		explained, err = s.Student.ExamExplanations(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	view := newStudentListView(p)
	view.Explained = explained
	s.render(w, r, http.StatusOK, "students", page{Title: "Student List: " + p.Exam.Title, User: v.User, CSRF: v.CSRF, Data: view})
}

type studentListView struct {
	*review.StudentListPage
	Columns  []sortColumn
	Statuses [][2]string
	Types    []proctor.ViolationType
	Strips   map[int64]strip // by session id
	// Prev and Next are the pager's links ("" at either end); CSV the
	// export of every matching session.
	Prev, Next, CSV string
	First, Last     int // the rows shown, 1-based
	// Explained counts each session's explanations from its student.
	Explained map[int64]int
}

func newStudentListView(p *review.StudentListPage) studentListView {
	v := studentListView{StudentListPage: p, Columns: sortColumns(p), Statuses: review.Statuses, Types: proctor.ViolationTypes,
		Strips: make(map[int64]strip, len(p.Rows)), CSV: fmt.Sprintf("/exams/%d/sessions.csv%s", p.Exam.ID, p.Query.AtPage(1).Href())}
	if p.Page > 1 {
		v.Prev = p.Query.AtPage(p.Page - 1).Href()
	}
	if p.Page < p.Pages {
		v.Next = p.Query.AtPage(p.Page + 1).Href()
	}
	if len(p.Rows) > 0 {
		v.First = (p.Page-1)*review.PageSize + 1
		v.Last = v.First + len(p.Rows) - 1
	}
	for i := range p.Rows {
		v.Strips[p.Rows[i].Session.ID] = newStrip(&p.Rows[i], p.Span)
	}
	return v
}

// sortColumn is a sortable header: a link that sorts by it (ascending, or
// descending when already ascending), keeping the filters, and the
// aria-sort state.
type sortColumn struct {
	Key, Label, Href, AriaSort string
}

func sortColumns(p *review.StudentListPage) []sortColumn {
	labels := [][2]string{{"first", "First name"}, {"last", "Last name"}, {"attempt", "Attempt"}, {"started", "Started"},
		{"duration", "Recorded (h:mm:ss)"}, {"status", "Status"}, {"flags", "Flags"}}
	for _, t := range proctor.ViolationTypes {
		labels = append(labels, [2]string{string(t), t.Label()})
	}
	labels = append(labels, [2]string{"reviewed", "Reviewed"})
	cols := make([]sortColumn, 0, len(labels))
	for _, l := range labels {
		c := sortColumn{Key: l[0], Label: l[1], AriaSort: "none", Href: p.Query.SortedBy(l[0]).Href()}
		if p.Query.Sort == l[0] {
			c.AriaSort = "ascending"
			if p.Query.Desc {
				c.AriaSort = "descending"
			}
		}
		cols = append(cols, c)
	}
	return cols
}

// strip is a row's small picture of when in the exam its flags were
// raised: one mark per applied flag on the exam's longest recorded time.
type strip struct {
	Marks []stripMark
	Label string // the same in words, for screen readers
}

type stripMark struct {
	X, W    string // in the SVG's 0–200 user units
	Excused bool
	Title   string
}

const stripWidth = 200.0

func newStrip(r *review.ListRow, span time.Duration) strip {
	st := strip{Marks: make([]stripMark, 0, len(r.Marks))}
	if span <= 0 {
		span = time.Second
	}
	var words []string
	for _, m := range r.Marks {
		x := min(max(float64(m.At)/float64(span)*stripWidth, 0), stripWidth-1.5)
		wd := max(float64(m.Len)/float64(span)*stripWidth, 1.5)
		title := m.Type.Label() + " at " + fmtClock(m.At)
		if m.Excused {
			title += " (excused)"
		}
		st.Marks = append(st.Marks, stripMark{X: strconv.FormatFloat(x, 'f', 1, 64), W: strconv.FormatFloat(min(wd, stripWidth-x), 'f', 1, 64),
			Excused: m.Excused, Title: title})
		if len(words) < 12 {
			words = append(words, title)
		}
	}
	switch {
	case len(r.Marks) == 0:
		st.Label = "No flags"
	case len(r.Marks) > len(words):
		st.Label = "Flags: " + strings.Join(words, "; ") + fmt.Sprintf("; and %d more", len(r.Marks)-len(words))
	default:
		st.Label = "Flags: " + strings.Join(words, "; ")
	}
	return st
}

// fmtClock writes a duration as h:mm:ss.
func fmtClock(d time.Duration) string {
	sec := max(int64(d/time.Second), 0)
	return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}

// studentListCSV is the Student List with the page's filters and order,
// every matching session (not only one page), as a CSV file.
func (s *Server) studentListCSV(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.StudentListPage
	if err == nil {
		p, err = s.Review.StudentListAll(r.Context(), v.actor(r), id, review.ParseListQuery(r.URL.Query()))
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vigil-exam-%d-students-%s.csv"`, p.Exam.ID, s.Now().UTC().Format("20060102-1504")))
	h.Set("Cache-Control", "no-store")
	cw := csvsafe.NewWriter(w)
	cw.Write(studentListColumns())
	for i := range p.Rows {
		cw.Write(studentListRecord(p, &p.Rows[i]))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.Log.Warn("student list export", "id", requestID(r.Context()), "err", err)
	}
}

func studentListColumns() []string {
	cols := []string{"session_id", "first_name", "last_name", "email", "attempt", "started_utc", "recorded_hms", "state", "status",
		"status_after_review", "why", "flags", "excused"}
	for _, t := range proctor.ViolationTypes {
		cols = append(cols, string(t), string(t)+"_excused")
	}
	return append(cols, "reviewed")
}

func studentListRecord(p *review.StudentListPage, r *review.ListRow) []string {
	started := ""
	if o := r.Session.Origin(); !o.IsZero() {
		started = o.UTC().Format(time.RFC3339)
	}
	reason := p.Reasons[r.Session.ID]
	rec := []string{strconv.FormatInt(r.Session.ID, 10), r.Student.FirstName, r.Student.LastName, r.Student.Email,
		strconv.Itoa(r.Session.AttemptLabel()), started, fmtClock(r.Session.Duration()), string(r.Session.State),
		review.VerdictInForce(&r.Session).Label(), strconv.FormatBool(reason.AfterDecisions), reason.Text,
		strconv.Itoa(r.Flags), strconv.Itoa(r.Excuses)}
	for _, t := range proctor.ViolationTypes {
		rec = append(rec, strconv.Itoa(r.Counted[t]), strconv.Itoa(r.Excused[t]))
	}
	return append(rec, strconv.FormatBool(r.Session.Reviewed))
}
