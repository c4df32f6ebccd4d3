package lti_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"vigil/internal/fuzzhttp"
	"vigil/internal/lti"
	"vigil/internal/proctor"
)

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
	// The token endpoint answers the fuzzer's token, every other path the
	// fuzzer's roster page.
	var tokenBody []byte
	roster := &fuzzhttp.Answer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(tokenBody)
	})
	mux.Handle("/", roster)
	srv := httptest.NewServer(mux)
	f.Cleanup(srv.Close)
	p := &proctor.Platform{ID: 3, Issuer: "https://lms.example.edu", ClientID: "vigil-client", TokenURL: srv.URL + "/token"}
	f.Fuzz(func(t *testing.T, token, rosterBody []byte, status int, link string) {
		tokenBody = token
		roster.Set(status, http.Header{"Link": {link}, "Content-Type": {lti.MediaNRPS}}, rosterBody)
		services := lti.NewServices(srv.Client(), keys) // a fresh token cache each time
		members, err := services.Members(context.Background(), p, srv.URL+"/nrps")
		if n := roster.Calls(); n > 100 {
			t.Fatalf("followed %d roster pages; the limit is 100", n)
		}
		if err != nil {
			var r *lti.Refusal
			if !errors.As(err, &r) || r.Code != lti.CodeService || r.Message == "" {
				t.Fatalf("roster refusal without the service code: %#v", err)
			}
			return
		}
		var page struct {
			Members []lti.Member `json:"members"`
		}
		if err := json.Unmarshal(rosterBody, &page); err != nil {
			t.Fatalf("a roster page that is not the JSON expected was accepted: %v", err)
		}
		fuzzhttp.Pages(t, members, page.Members, roster.Calls())
	})
}
