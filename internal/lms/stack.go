package lms

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/lti"
)

// Stack is Vigil's LTI side wired together: its keys, the launch checks,
// the platform services and the LMS logic.
type Stack struct {
	Keys *lti.Keyring
	Flow *lti.Flow
	LMS  *Service
}

// NewStack builds the stack for a server reached at base, and makes
// Vigil's keys on first start. client calls platforms and Canvas.
func NewStack(ctx context.Context, st StackStore, in *ingest.Service, base string, client *http.Client, now func() time.Time, log *slog.Logger) (*Stack, error) {
	base = strings.TrimRight(base, "/")
	keys := lti.NewKeyring(st, now)
	if err := keys.Ensure(ctx); err != nil {
		return nil, err
	}
	verifier := &lti.Verifier{Keys: lti.NewKeySets(client, now), Now: now, Leeway: time.Minute}
	flow := &lti.Flow{Store: st, Verifier: verifier, Now: now, Base: base, RedirectURI: base + "/lti/launch"}
	svc := &Service{Store: st, Ingest: in, Keys: keys, Services: lti.NewServices(client, keys), HTTP: client, Now: now, Log: log, Base: base}
	return &Stack{Keys: keys, Flow: flow, LMS: svc}, nil
}
