package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// TestBulkDecisionForm posts the session page's bulk decision form: a
// filter excuses what it matches and the page comes back on its tab with
// the count; a form without a choice, with a length that is not a number
// of seconds, or naming another session's incident is refused and decides
// nothing; without the CSRF token nothing is decided either.
func TestBulkDecisionForm(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 2, nil)
	ctx := context.Background()
	mine, other := start(t, client{t, srv.URL}, srv.Link(t, f, 0)), start(t, client{t, srv.URL}, srv.Link(t, f, 1))
	t0 := time.Now().UTC().Add(-time.Hour)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	audio := func(sessionID int64, from, to float64) proctor.Violation {
		return proctor.Violation{SessionID: sessionID, Type: proctor.BackgroundAudio, Start: at(from), End: at(to), Applied: true, Confidence: 1}
	}
	must(t, srv.Store.ReplaceViolations(ctx, mine.id, []proctor.Violation{audio(mine.id, 10, 11), audio(mine.id, 20, 22.9), audio(mine.id, 30, 33)}))
	must(t, srv.Store.ReplaceViolations(ctx, other.id, []proctor.Violation{audio(other.id, 10, 11)}))
	theirs, err := srv.Store.ListViolations(ctx, other.id)
	must(t, err)
	c, csrf := srv.SignIn(t, &f.Instructor)
	target := fmt.Sprintf("%s/sessions/%d/decisions", srv.URL, mine.id)
	decided := func() int {
		n := 0
		for _, id := range []int64{mine.id, other.id} {
			vs, err := srv.Store.ListViolations(ctx, id)
			must(t, err)
			for _, v := range vs {
				if v.Decision != proctor.DecisionPending {
					n++
				}
			}
		}
		return n
	}
	for name, form := range map[string]url.Values{
		"no choice of incidents": {"csrf": {csrf}, "decision": {"excused"}},
		"nothing ticked":         {"csrf": {csrf}, "scope": {"selected"}, "decision": {"excused"}},
		"a length in words":      {"csrf": {csrf}, "scope": {"filter"}, "shorter": {"three"}, "decision": {"excused"}},
		"a length of NaN":        {"csrf": {csrf}, "scope": {"filter"}, "shorter": {"NaN"}, "decision": {"excused"}},
		"a length of zero":       {"csrf": {csrf}, "scope": {"filter"}, "shorter": {"0"}, "decision": {"excused"}},
		"an unknown type":        {"csrf": {csrf}, "scope": {"filter"}, "type": {"phone"}, "decision": {"excused"}},
		"another session's":      {"csrf": {csrf}, "scope": {"selected"}, "violation": {fmt.Sprint(theirs[0].ID)}, "decision": {"excused"}},
		"an unknown decision":    {"csrf": {csrf}, "scope": {"filter"}, "decision": {"forgiven"}},
	} {
		if res := post(t, c, target, form); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, res.StatusCode)
		}
	}
	if res := post(t, c, target, url.Values{"scope": {"filter"}, "decision": {"excused"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d, want 403", res.StatusCode)
	}
	if n := decided(); n != 0 {
		t.Fatalf("refused forms decided %d incidents", n)
	}
	res := post(t, c, target, url.Values{"csrf": {csrf}, "scope": {"filter"}, "type": {"background_audio"}, "shorter": {"3"},
		"decision": {"excused"}, "note": {"radio"}, "tab": {"violations"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "tab=violations") || !strings.Contains(loc, "done=Excused%3A+2+incidents") {
		t.Fatalf("bulk excuse: %d to %q", res.StatusCode, loc)
	}
	if n := decided(); n != 2 {
		t.Fatalf("%d incidents decided, want the 2 shorter than 3 s", n)
	}
	res = post(t, c, target, url.Values{"csrf": {csrf}, "scope": {"filter"}, "type": {"multiple_people"}, "decision": {"excused"}})
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "No+incident+matched") {
		t.Errorf("a filter matching nothing: %q", loc)
	}
}
