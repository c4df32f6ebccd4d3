package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/review"
)

// decideMany is the session page's bulk decision: one decision and note
// on the incidents ticked (scope "selected") or on every incident of a
// type shorter than a number of seconds (scope "filter").
func (s *Server) decideMany(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var b review.BulkDecision
	if err == nil {
		b, err = bulkForm(r)
	}
	var decided []proctor.Violation
	if err == nil {
		decided, err = s.Review.DecideMany(r.Context(), v.actor(r), id, b)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "No incident matched, so nothing was decided"
	if n := len(decided); n > 0 {
		msg = fmt.Sprintf("%s: %d incident%s", b.Decision.Label(), n, plural(n))
	}
	http.Redirect(w, r, sessionURL(id, r.PostFormValue("tab"), msg)+"#bulk", http.StatusSeeOther)
}

// bulkForm reads the bulk decision form.
func bulkForm(r *http.Request) (review.BulkDecision, error) {
	b := review.BulkDecision{Decision: proctor.Decision(r.PostFormValue("decision")), Note: r.PostFormValue("note")}
	switch r.PostFormValue("scope") {
	case "selected":
		for _, s := range r.PostForm["violation"] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return b, proctor.E(proctor.CodeInvalid, "the incidents ticked could not be read")
			}
			b.IDs = append(b.IDs, n)
		}
		if len(b.IDs) == 0 {
			return b, proctor.E(proctor.CodeInvalid, "tick at least one incident, or choose incidents by type and length")
		}
	case "filter":
		b.Type = proctor.ViolationType(r.PostFormValue("type"))
		if s := strings.TrimSpace(r.PostFormValue("shorter")); s != "" {
			sec, err := strconv.ParseFloat(s, 64)
			if err != nil || !(sec > 0 && sec <= 72*3600) { // refuses NaN too
				return b, proctor.E(proctor.CodeInvalid, "the length must be a number of seconds above 0")
			}
			b.Shorter = time.Duration(sec * float64(time.Second))
		}
	default:
		return b, proctor.E(proctor.CodeInvalid, "choose the incidents ticked, or incidents by type and length")
	}
	return b, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
