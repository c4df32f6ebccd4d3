package review

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"vigil/internal/proctor"
)

// ListQuery is what the Student List shows: its order, its filters and
// its page. It travels in the URL's query (ParseListQuery, Values), so a
// filtered, sorted page can be shared as a link and works without script.
type ListQuery struct {
	Sort string // a SortKeys entry or a violation type; "" is "last"
	Desc bool
	// Status keeps sessions whose verdict in force is "fail", "pass" or
	// "pending" (not decided yet); "" keeps all.
	Status string
	// Type keeps sessions with counted flags of that type ("" any type);
	// MinFlags is how many at least (of Type, or in all), 0 for no bound.
	Type     proctor.ViolationType
	MinFlags int
	// Search keeps sessions whose student's name or email contains it
	// (case-insensitive).
	Search string
	Page   int // 1-based
}

// Statuses are the Status filter's values with their labels.
var Statuses = [][2]string{{"fail", "Fail"}, {"pass", "Pass"}, {"pending", "Pending"}}

// maxSearch bounds the search text kept from a URL.
const maxSearch = 200

// ParseListQuery reads a ListQuery from a URL's query; values it does not
// know are left out rather than refused.
func ParseListQuery(v url.Values) ListQuery {
	q := ListQuery{Sort: v.Get("sort"), Desc: v.Get("dir") == "desc", Status: v.Get("status"),
		Type: proctor.ViolationType(v.Get("type")), Search: strings.TrimSpace(v.Get("q"))}
	q.MinFlags, _ = strconv.Atoi(v.Get("min"))
	q.Page, _ = strconv.Atoi(v.Get("page"))
	return q.clean()
}

func (q ListQuery) clean() ListQuery {
	if !validSort(q.Sort) {
		q.Sort = "last"
	}
	switch q.Status {
	case "fail", "pass", "pending":
	default:
		q.Status = ""
	}
	if !q.Type.Valid() {
		q.Type = ""
	}
	q.MinFlags = min(max(q.MinFlags, 0), 100000)
	if len(q.Search) > maxSearch {
		q.Search = q.Search[:maxSearch]
		for !utf8.ValidString(q.Search) {
			q.Search = q.Search[:len(q.Search)-1]
		}
	}
	q.Page = max(q.Page, 1)
	return q
}

// Filtered reports whether any filter is set.
func (q ListQuery) Filtered() bool {
	return q.Status != "" || q.Type != "" || q.MinFlags > 0 || q.Search != ""
}

// keeps reports whether a row passes the filters.
func (q ListQuery) keeps(r *ListRow) bool {
	if q.Status != "" {
		v := VerdictInForce(&r.Session)
		if (q.Status == "pending" && v != proctor.VerdictNone) || (q.Status != "pending" && string(v) != q.Status) {
			return false
		}
	}
	n := r.Flags
	if q.Type != "" {
		if n = r.Counted[q.Type]; n == 0 {
			return false
		}
	}
	if n < q.MinFlags {
		return false
	}
	return q.Search == "" || matches(&r.Student, q.Search)
}

func matches(st *proctor.Student, search string) bool {
	s := strings.ToLower(search)
	for _, f := range []string{st.FullName(), st.LastName + " " + st.FirstName, st.LastName + ", " + st.FirstName, st.Email} {
		if strings.Contains(strings.ToLower(f), s) {
			return true
		}
	}
	return false
}

// Values is the query as URL parameters, leaving out defaults.
func (q ListQuery) Values() url.Values {
	v := url.Values{}
	if q.Sort != "" && q.Sort != "last" {
		v.Set("sort", q.Sort)
	}
	if q.Desc {
		v.Set("dir", "desc")
	}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("status", q.Status)
	set("type", string(q.Type))
	set("q", q.Search)
	if q.MinFlags > 0 {
		v.Set("min", strconv.Itoa(q.MinFlags))
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// Href is the query as a link's "?…" ("?" alone for the defaults).
func (q ListQuery) Href() string { return "?" + q.Values().Encode() }

// AtPage is the same query at another page.
func (q ListQuery) AtPage(page int) ListQuery {
	q.Page = page
	return q
}

// SortedBy is the same filters sorted by key, from the first page: by key
// ascending, or descending when it is already sorted ascending by key.
func (q ListQuery) SortedBy(key string) ListQuery {
	q.Desc = q.Sort == key && !q.Desc
	q.Sort, q.Page = key, 1
	return q
}
