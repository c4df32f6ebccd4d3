package review

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// AuditQuery is the audit log's filter as typed (query parameters):
// a course id, a user's email or an actor name ("system", "student:12"),
// an action, dates (YYYY-MM-DD, the server's time zone, both inclusive),
// and the entry to page back from.
type AuditQuery struct {
	Course, User, Action, From, To, Before string
}

// Encode is the query string of the filter, without Before.
func (q AuditQuery) Encode() string {
	var parts []string
	for _, kv := range [][2]string{{"course", q.Course}, {"user", q.User}, {"action", q.Action}, {"from", q.From}, {"to", q.To}} {
		if v := strings.TrimSpace(kv[1]); v != "" {
			parts = append(parts, kv[0]+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// filter checks the query and turns it into a store filter.
func (s *Service) filter(ctx context.Context, q AuditQuery) (store.AuditFilter, error) {
	var f store.AuditFilter
	var problems []string
	if v := strings.TrimSpace(q.Course); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			problems = append(problems, fmt.Sprintf("course must be one of the list (got %q)", v))
		}
		f.CourseID = id
	}
	if v := strings.TrimSpace(q.User); v != "" {
		f.Actor = v
		u, _, err := s.store.GetUserByEmail(ctx, v)
		switch {
		case err == nil:
			f.UserID = u.ID // and entries written under the email alone
		case !errors.Is(err, store.ErrNotFound):
			return f, err
		}
	}
	f.Action = strings.TrimSpace(q.Action)
	var err error
	if f.Since, err = parseDate("From", q.From, 0); err != nil {
		problems = append(problems, err.Error())
	}
	if f.Until, err = parseDate("To", q.To, 1); err != nil {
		problems = append(problems, err.Error())
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		problems = append(problems, "the From date is after the To date")
	}
	if v := strings.TrimSpace(q.Before); v != "" {
		if f.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil || f.BeforeID <= 0 {
			problems = append(problems, fmt.Sprintf("before must be an entry number (got %q)", v))
		}
	}
	if len(problems) > 0 {
		return f, proctor.E(proctor.CodeInvalid, "%s", sentence(strings.Join(problems, "; ")))
	}
	return f, nil
}

// parseDate reads a YYYY-MM-DD date at midnight in the server's zone,
// plus addDays (1 makes an inclusive "to" date an exclusive bound).
func parseDate(field, v string, addDays int) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, time.Local)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be a date like 2026-11-20 (got %q)", field, v)
	}
	return d.AddDate(0, 0, addDays), nil
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// AuditRow is an entry with who and which course in words.
type AuditRow struct {
	proctor.AuditEntry
	Who    string // "Name <email>", the actor's name, or "—"
	Course string // the course's code, "" for entries about no course
	// SubjectName is what Subject names, in words ("" when unknown).
	SubjectName string
}

// AuditPage is a page of the audit log, newest first.
type AuditPage struct {
	Query   AuditQuery
	Rows    []AuditRow
	Next    int64 // the Before of the next (older) page; 0 on the last
	Courses []proctor.Course
	Users   []proctor.User
	Actions []string
	// Error says why the filter was refused (no rows then).
	Error string
}

// auditPageSize is how many entries a page shows.
const auditPageSize = 100

// AuditLog returns a page of the audit log (administrators only). A
// filter it cannot read leaves the page empty with Error set, so the form
// keeps what was typed.
func (s *Service) AuditLog(ctx context.Context, a Actor, q AuditQuery) (*AuditPage, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	p := &AuditPage{Query: q, Actions: proctor.AuditActions}
	var err error
	if p.Courses, err = s.store.ListCoursesForUser(ctx, a.User.ID); err != nil {
		return nil, err
	}
	if p.Users, err = s.store.ListUsers(ctx); err != nil {
		return nil, err
	}
	f, err := s.filter(ctx, q)
	if err != nil {
		if e := proctor.AsError(err); e.Code == proctor.CodeInvalid {
			p.Error = e.Message
			return p, nil
		}
		return nil, err
	}
	f.Limit = auditPageSize + 1
	entries, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		p.Next = entries[len(entries)-1].ID
	}
	names := s.namer(p.Courses)
	for _, e := range entries {
		row, err := names.row(ctx, e)
		if err != nil {
			return nil, err
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// exportBatch is how many entries an export reads at a time, so a long
// log streams without being held in memory or in one read transaction.
const exportBatch = 1000

// ExportAudit writes every entry the filter selects, newest first, through
// emit (administrators only). The export itself is logged first, with its
// filter, so even an interrupted download is on record.
func (s *Service) ExportAudit(ctx context.Context, a Actor, q AuditQuery, emit func(AuditRow) error) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	f, err := s.filter(ctx, q)
	if err != nil {
		return err
	}
	q.Before = ""
	if err := s.audit(ctx, s.store, a, proctor.AuditLogExported, f.CourseID, "audit_log", "filter: "+orAll(q.Encode())); err != nil {
		return err
	}
	courses, err := s.store.ListCoursesForUser(ctx, a.User.ID)
	if err != nil {
		return err
	}
	names := s.namer(courses)
	f.Limit = exportBatch
	for {
		entries, err := s.store.ListAudit(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range entries {
			row, err := names.row(ctx, e)
			if err != nil {
				return err
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		if len(entries) < exportBatch {
			return nil
		}
		f.BeforeID = entries[len(entries)-1].ID
	}
}

func orAll(filter string) string {
	if filter == "" {
		return "all entries"
	}
	return filter
}

// namer names users and courses, looking each user up once.
type namer struct {
	s        *Service
	users    map[int64]string
	courses  map[int64]string
	subjects map[string]string // kind:id → name
}

func (s *Service) namer(courses []proctor.Course) *namer {
	n := &namer{s: s, users: map[int64]string{}, courses: map[int64]string{}, subjects: map[string]string{}}
	for _, c := range courses {
		n.courses[c.ID] = c.Code
	}
	return n
}

func (n *namer) row(ctx context.Context, e proctor.AuditEntry) (AuditRow, error) {
	r := AuditRow{AuditEntry: e, Who: e.Actor, Course: n.courses[e.CourseID]}
	if e.CourseID != 0 && r.Course == "" {
		r.Course = fmt.Sprintf("course %d", e.CourseID)
	}
	if e.UserID != 0 {
		who, ok := n.users[e.UserID]
		if !ok {
			u, err := n.s.store.GetUser(ctx, e.UserID)
			switch {
			case err == nil:
				who = u.Name + " <" + u.Email + ">"
			case errors.Is(err, store.ErrNotFound):
				who = fmt.Sprintf("user %d", e.UserID)
			default:
				return r, err
			}
			n.users[e.UserID] = who
		}
		r.Who = who
	}
	if e.UserID == 0 && e.Actor != "" { // a student ("student:12") or a tool
		name, err := n.subjectName(ctx, e.Actor)
		if err != nil {
			return r, err
		}
		if name != "" {
			r.Who = name + " (" + e.Actor + ")"
		}
	}
	if r.Who == "" {
		r.Who = "—"
	}
	var err error
	r.SubjectName, err = n.subjectName(ctx, e.Subject)
	return r, err
}
