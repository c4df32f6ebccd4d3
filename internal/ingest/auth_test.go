package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// tokenFor gives a session a token of source expiring at expires.
func (w *world) tokenFor(t *testing.T, sessionID int64, source string, expires time.Time) string {
	t.Helper()
	token, hash := auth.NewToken()
	must(t, w.st.AddSessionToken(context.Background(), &store.SessionToken{Hash: hash, SessionID: sessionID, Source: source,
		CreatedAt: t0, ExpiresAt: expires}))
	return token
}

// audited counts the audit entries f selects.
func (w *world) audited(t *testing.T, f store.AuditFilter) int {
	t.Helper()
	entries, err := w.st.ListAudit(context.Background(), f)
	must(t, err)
	return len(entries)
}

// TestAuthenticateRules: an upload needs a token Vigil issued for the
// session the URL names, of a source the endpoint takes, not expired (an
// expired one is recorded in the audit log once, however often it comes
// back), within the session's rate: a burst, then a wait the client is
// told.
func TestAuthenticateRules(t *testing.T) {
	limits := DefaultLimits()
	limits.RatePerSecond, limits.RateBurst = 1, 3
	w := newWorld(t, limits)
	now := w.svc.now()
	window := []string{proctor.SourceBrowser}
	companions := []string{proctor.SourceAgent, proctor.SourceExtension}
	for _, c := range []struct {
		name      string
		source    string        // the token issued to the session
		expires   time.Duration // from now
		send      string        // "": the token issued; "other": another session's
		endpoint  []string      // the sources the endpoint takes
		calls     int
		wantCode  proctor.Code
		wantAudit int
		wantRetry int64 // retry_after_ms told
	}{
		{"the proctoring window's token", proctor.SourceBrowser, time.Hour, "", window, 1, "", 0, 0},
		{"a companion's token on a companion's endpoint", proctor.SourceExtension, time.Hour, "", companions, 1, "", 0, 0},
		{"no token", proctor.SourceBrowser, time.Hour, "none", window, 1, proctor.CodeUnauthenticated, 0, 0},
		{"a token Vigil never issued", proctor.SourceBrowser, time.Hour, "made up", window, 1, proctor.CodeUnauthenticated, 0, 0},
		{"another session's token", proctor.SourceBrowser, time.Hour, "other", window, 1, proctor.CodeForbidden, 0, 0},
		{"an agent's token on the proctoring window's endpoint", proctor.SourceAgent, time.Hour, "", window, 1, proctor.CodeForbidden, 0, 0},
		{"the window's token on a companion's endpoint", proctor.SourceBrowser, time.Hour, "", companions, 1, proctor.CodeForbidden, 0, 0},
		{"a token a moment before it expires", proctor.SourceBrowser, time.Millisecond, "", window, 1, "", 0, 0},
		{"a token the moment it expires", proctor.SourceBrowser, 0, "", window, 1, proctor.CodeUnauthenticated, 1, 0},
		{"an expired token sent again and again is recorded once", proctor.SourceBrowser, -time.Hour, "", window, 5, proctor.CodeUnauthenticated, 1, 0},
		{"a burst of requests", proctor.SourceBrowser, time.Hour, "", window, 3, "", 0, 0},
		{"one past the burst is told when to retry", proctor.SourceBrowser, time.Hour, "", window, 4, proctor.CodeRateLimited, 0, 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			token := w.tokenFor(t, sess.ID, c.source, now.Add(c.expires))
			switch c.send {
			case "none":
				token = ""
			case "made up":
				token, _ = auth.NewToken()
			case "other":
				token = w.tokenFor(t, w.newSession(t).ID, c.source, now.Add(c.expires))
			}
			var got *proctor.Session
			var source string
			var err error
			for range c.calls {
				got, source, err = w.svc.Authenticate(context.Background(), sess.ID, token, c.endpoint...)
			}
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			if err == nil && (got.ID != sess.ID || source != c.source) {
				t.Errorf("session %d as %q, want %d as %q", got.ID, source, sess.ID, c.source)
			}
			var retry int64
			if pe := (*proctor.Error)(nil); errors.As(err, &pe) && pe.Detail["retry_after_ms"] != nil {
				retry = pe.Detail["retry_after_ms"].(int64)
			}
			if retry != c.wantRetry {
				t.Errorf("told to retry after %d ms, want %d", retry, c.wantRetry)
			}
			if n := w.audited(t, store.AuditFilter{Action: proctor.AuditTokenRefused, Subject: fmt.Sprintf("session:%d", sess.ID)}); n != c.wantAudit {
				t.Errorf("%d refusals in the audit log, want %d", n, c.wantAudit)
			}
		})
	}
}

// TestPairingRules: the proctoring window of an open session issues a
// code for the agent or the extension; the code works once, within ten
// minutes, for that kind of companion, however the student types it, and
// only while the session is open. It gives a token of that session and
// source.
func TestPairingRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	typed := func(code string) string { return code }
	for _, c := range []struct {
		name     string
		issueFor string        // the kind the window asks a code for
		closed   string        // "issue": the session closed before the code is asked; "pair": before it is used
		used     bool          // the code was used once already
		later    time.Duration // how long after issuing the code it is used
		as       string        // the companion that sends it
		typed    func(code string) string
		wantCode proctor.Code
	}{
		{"the agent pairs with its code", proctor.SourceAgent, "", false, 0, proctor.SourceAgent, typed, ""},
		{"the extension pairs with its code", proctor.SourceExtension, "", false, 0, proctor.SourceExtension, typed, ""},
		{"typed in lower case with a space and a dash", proctor.SourceAgent, "", false, 0, proctor.SourceAgent,
			func(code string) string { return strings.ToLower(code[:4] + " " + code[4:6] + "-" + code[6:]) }, ""},
		{"a moment before its ten minutes end", proctor.SourceAgent, "", false, PairingCodeLife - time.Millisecond, proctor.SourceAgent, typed, ""},
		{"at the end of its ten minutes", proctor.SourceAgent, "", false, PairingCodeLife, proctor.SourceAgent, typed, proctor.CodeUnauthenticated},
		{"used once already", proctor.SourceAgent, "", true, 0, proctor.SourceAgent, typed, proctor.CodeUnauthenticated},
		{"the extension's code sent by the agent", proctor.SourceExtension, "", false, 0, proctor.SourceAgent, typed, proctor.CodeInvalid},
		{"sent by something that is no companion", proctor.SourceAgent, "", false, 0, proctor.SourceBrowser, typed, proctor.CodeInvalid},
		{"a letter short", proctor.SourceAgent, "", false, 0, proctor.SourceAgent, func(code string) string { return code[1:] }, proctor.CodeUnauthenticated},
		{"a character no code has", proctor.SourceAgent, "", false, 0, proctor.SourceAgent, func(code string) string { return "0" + code[1:] }, proctor.CodeUnauthenticated},
		{"a code nobody issued", proctor.SourceAgent, "", false, 0, proctor.SourceAgent, func(string) string { return "ABCDEFGH" }, proctor.CodeUnauthenticated},
		{"the session finished after the code was issued", proctor.SourceAgent, "pair", false, 0, proctor.SourceAgent, typed, proctor.CodeSessionClosed},
		{"a finished session issues no code", proctor.SourceAgent, "issue", false, 0, proctor.SourceAgent, typed, proctor.CodeSessionClosed},
		{"a code for something that is no companion", proctor.SourceBrowser, "", false, 0, proctor.SourceBrowser, typed, proctor.CodeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			finish := func() {
				must(t, w.st.SetSessionState(ctx, sess.ID, proctor.StateCreated, proctor.StateSubmitted, t0.Add(time.Minute)))
				sess = w.reload(t, sess)
			}
			if c.closed == "issue" {
				finish()
			}
			issued, err := w.svc.NewPairingCode(ctx, sess, c.issueFor)
			if err != nil {
				if codeOf(err) != c.wantCode {
					t.Fatalf("issuing a code: %v, want code %q", err, c.wantCode)
				}
				return
			}
			if issued.Kind != c.issueFor || !issued.ExpiresAt.Equal(w.svc.now().Add(PairingCodeLife)) {
				t.Errorf("issued %+v, want a %s code for %s", issued, c.issueFor, PairingCodeLife)
			}
			if c.used {
				_, err := w.svc.Pair(ctx, issued.Code, c.as)
				must(t, err)
			}
			if c.closed == "pair" {
				finish()
			}
			w.at(t, w.svc.now().Add(c.later))
			paired, err := w.svc.Pair(ctx, c.typed(issued.Code), c.as)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			if err != nil {
				return
			}
			if paired.SessionID != sess.ID || paired.Kind != c.as || paired.NextEventBatch != 0 || paired.Exam != "Midterm" {
				t.Errorf("paired %+v", paired)
			}
			if _, source, err := w.svc.Authenticate(ctx, sess.ID, paired.Token, c.as); err != nil || source != c.as {
				t.Errorf("the companion's token: source %q, %v", source, err)
			}
			if _, _, err := w.svc.Authenticate(ctx, sess.ID, paired.Token, proctor.SourceBrowser); codeOf(err) != proctor.CodeForbidden {
				t.Errorf("the companion's token on the window's endpoint: %v, want forbidden", err)
			}
		})
	}
}
