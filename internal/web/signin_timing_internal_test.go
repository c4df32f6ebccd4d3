package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store/sqlstore"
)

// TestSignInChecksUnknownEmails: a sign-in with an unknown email, or with
// the email of an account that has no password, runs the same password
// check (argon2id against a stand-in hash) as a wrong password for a real
// account, so the answer's timing does not reveal which accounts exist.
func TestSignInChecksUnknownEmails(t *testing.T) {
	st, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword("the right password")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateUser(t.Context(), &proctor.User{Email: "real@example.edu", Name: "Real", Role: proctor.RoleInstructor}, hash))
	must(st.CreateUser(t.Context(), &proctor.User{Email: "lms@example.edu", Name: "From the LMS", Role: proctor.RoleInstructor}, ""))
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := auth.NewAccounts(st, time.Now, log)
	s, err := New(Deps{Schema: st, Accounts: accounts, Log: log, Now: time.Now, BaseURL: base})
	must(err)
	var checked []string
	accounts.CheckPassword = func(encoded, password string) error {
		checked = append(checked, encoded)
		return auth.CheckPassword(encoded, password)
	}
	hs.Config.Handler = s.Handler()
	hs.Start()
	t.Cleanup(hs.Close)

	for _, email := range []string{"real@example.edu", "nobody@example.edu", "lms@example.edu"} {
		checked = nil
		if status := signInAs(t, base, email, "a wrong password"); status != http.StatusUnauthorized {
			t.Fatalf("%s: %d, want 401", email, status)
		}
		if len(checked) != 1 {
			t.Errorf("%s: %d password checks, want 1", email, len(checked))
		}
	}
}

// signInAs posts the sign-in form as a browser would and returns the status.
func signInAs(t *testing.T, base, email, password string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field on the sign-in page")
	}
	res, err = c.PostForm(base+"/signin", url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
