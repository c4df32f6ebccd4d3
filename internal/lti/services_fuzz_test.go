package lti_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/lti"
	"vigil/internal/proctor"
)

// rosterPlatform answers Vigil's token request and every roster page with
// what the fuzzer chose, and counts the pages Vigil asked for.
type rosterPlatform struct {
	tokenBody, rosterBody []byte
	rosterStatus          int
	link                  string
	pages                 atomic.Int32
}

func (rp *rosterPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		w.Header().Set("Content-Type", "application/json")
		w.Write(rp.tokenBody)
		return
	}
	rp.pages.Add(1)
	w.Header().Set("Link", rp.link)
	w.Header().Set("Content-Type", lti.MediaNRPS)
	w.WriteHeader(rp.rosterStatus)
	w.Write(rp.rosterBody)
}

// FuzzRosterAnswers plays a platform whose token endpoint and Names and
// Role Provisioning service answer anything: Vigil must refuse with the
// service code or return exactly the members each page listed, and must
// stop following "next" links after its page limit.
func FuzzRosterAnswers(f *testing.F) {
	f.Add([]byte(`{"access_token": "tok", "expires_in": 3600}`),
		[]byte(`{"id": "x", "members": [{"user_id": "u1", "status": "Active", "name": "Ada", "roles": ["Learner"]}]}`), 200, "")
	f.Add([]byte(`{"access_token": "tok", "expires_in": 9223372036854775807}`),
		[]byte(`{"members": [{"user_id": "u2", "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}]}`), 200, `</nrps?p=2>; rel="next"`)
	f.Add([]byte(`{"error": "invalid_client", "error_description": "unknown key"}`), []byte(`{}`), 200, "")
	f.Add([]byte(`{"access_token": "tok"}`), []byte(`{"members": "nope"}`), 200, "")
	f.Add([]byte(`{"access_token": "tok"}`), []byte(`<html>Server error</html>`), 500, "")
	f.Add([]byte(`{"access_token": "tok"}`), []byte(`{"members": []}`), 200, `<http://127.0.0.1:1/elsewhere>; rel=next`)
	f.Add([]byte(`{"access_token": "tok"}`), []byte(`{"members": null}`), 200, `<::>; rel="next"`)
	f.Add([]byte(`{"access_token": "tok"}`), []byte(``), 200, "")
	f.Add([]byte(``), []byte(`{"members": []}`), 200, "")
	st := openStore(f)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	keys := lti.NewKeyring(st, func() time.Time { return now })
	if err := keys.Ensure(context.Background()); err != nil {
		f.Fatal(err)
	}
	rp := &rosterPlatform{}
	srv := httptest.NewServer(rp)
	f.Cleanup(srv.Close)
	p := &proctor.Platform{ID: 3, Issuer: "https://lms.example.edu", ClientID: "vigil-client", TokenURL: srv.URL + "/token"}
	f.Fuzz(func(t *testing.T, tokenBody, rosterBody []byte, status int, link string) {
		rp.tokenBody, rp.rosterBody, rp.link = tokenBody, rosterBody, link
		rp.rosterStatus = answerStatus(status)
		rp.pages.Store(0)
		services := lti.NewServices(srv.Client(), keys) // a fresh token cache each time
		members, err := services.Members(context.Background(), p, srv.URL+"/nrps")
		if n := rp.pages.Load(); n > 100 {
			t.Fatalf("followed %d roster pages; the limit is 100", n)
		}
		if err != nil {
			var r *lti.Refusal
			if !errors.As(err, &r) || r.Code != lti.CodeService || r.Message == "" {
				t.Fatalf("roster refusal without the service code: %#v", err)
			}
			return
		}
		checkMembersArePages(t, rosterBody, members, int(rp.pages.Load()))
	})
}

// checkMembersArePages: the roster is each page's members, in order.
func checkMembersArePages(t *testing.T, page []byte, members []lti.Member, pages int) {
	t.Helper()
	var one struct {
		Members []lti.Member `json:"members"`
	}
	if err := json.Unmarshal(page, &one); err != nil {
		t.Fatalf("a roster page that is not the JSON expected was accepted: %v", err)
	}
	var want []lti.Member
	for range pages {
		want = append(want, one.Members...)
	}
	if !reflect.DeepEqual(members, want) {
		t.Fatalf("roster %+v; the %d pages listed %+v", members, pages, want)
	}
}

// answerStatus makes any number a status an HTTP server can send (200 to
// 599; informational answers are not final ones).
func answerStatus(n int) int {
	if n >= 200 && n <= 599 {
		return n
	}
	if n < 0 {
		n = -(n + 1)
	}
	return 200 + n%400
}
