package lms

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// SavePlatform registers a platform (ID 0) or changes one, after checking
// it; who did it goes in the audit log. Secrets left empty on a change
// keep their stored value.
func (s *Service) SavePlatform(ctx context.Context, who Who, p *proctor.Platform) error {
	if err := CheckPlatform(p); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		if p.ID == 0 {
			p.CreatedAt = s.Now()
			if err := tx.CreatePlatform(ctx, p); err != nil {
				return platformConflict(err)
			}
		} else {
			old, err := tx.GetPlatform(ctx, p.ID)
			if err != nil {
				return err
			}
			p.CanvasToken = firstOf(p.CanvasToken, old.CanvasToken)
			p.CanvasClientSecret = firstOf(p.CanvasClientSecret, old.CanvasClientSecret)
			if err := tx.UpdatePlatform(ctx, p); err != nil {
				return platformConflict(err)
			}
		}
		return s.audit(ctx, tx, who, proctor.AuditPlatformSaved, 0, fmt.Sprintf("platform:%d", p.ID), p.Issuer+" "+p.ClientID)
	})
}

func platformConflict(err error) error {
	if strings.Contains(err.Error(), store.ErrConflict.Error()) {
		return proctor.E(proctor.CodeConflict, "a platform with this issuer and client id is registered already")
	}
	return err
}

// CheckPlatform checks a registration: every address a URL Vigil may call
// (https, or http on this computer for development), a client id, and at
// least one deployment.
func CheckPlatform(p *proctor.Platform) error {
	p.Name, p.Issuer, p.ClientID = strings.TrimSpace(p.Name), strings.TrimSpace(p.Issuer), strings.TrimSpace(p.ClientID)
	var problems []string
	if p.Name == "" {
		problems = append(problems, "a name")
	}
	if p.ClientID == "" {
		problems = append(problems, "the client id the LMS gave Vigil")
	}
	for _, f := range []struct{ name, value string }{{"issuer", p.Issuer}, {"authorisation URL", p.AuthURL},
		{"token URL", p.TokenURL}, {"JWKS URL", p.JWKSURL}} {
		if !callable(f.value) {
			problems = append(problems, "the "+f.name+" as an https URL")
		}
	}
	if p.CanvasURL != "" && !callable(p.CanvasURL) {
		problems = append(problems, "the Canvas address as an https URL")
	}
	var deps []string
	for _, d := range p.Deployments {
		if d = strings.TrimSpace(d); d != "" {
			deps = append(deps, d)
		}
	}
	p.Deployments = deps
	if len(deps) == 0 {
		problems = append(problems, "at least one deployment id")
	}
	if len(problems) > 0 {
		return proctor.E(proctor.CodeInvalid, "the platform needs %s", strings.Join(problems, ", "))
	}
	return nil
}

func callable(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	return u.Scheme == "https" || (u.Scheme == "http" && (h == "localhost" || h == "127.0.0.1" || h == "::1"))
}
