package lms

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"vigil/internal/lti"
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

// JoinPlatform makes registration fromID part of the LMS of intoID: both
// are registrations of one LMS (one issuer; Moodle gives each tool it
// registers a client id of its own), and the courses, people and LMS
// administrators of the first become those of the other. A course both
// had is kept as intoID's; fromID's copy, when it has no exam (the empty
// second course a second registration made), is switched off and its id
// returned. A course with exams on both sides refuses the join.
func (s *Service) JoinPlatform(ctx context.Context, who Who, fromID, intoID int64) ([]int64, error) {
	from, err := s.Store.GetPlatform(ctx, fromID)
	if err != nil {
		return nil, notFound(err, "no such registration")
	}
	into, err := s.Store.GetPlatform(ctx, intoID)
	if err != nil {
		return nil, notFound(err, "no such registration")
	}
	if into.JoinedTo != 0 {
		if into, err = s.Store.GetPlatform(ctx, into.JoinedTo); err != nil {
			return nil, err
		}
	}
	switch {
	case from.ID == into.ID || from.JoinedTo == into.ID:
		return nil, proctor.E(proctor.CodeConflict, "these registrations are one LMS already")
	case from.Issuer != into.Issuer:
		// Users are unique per issuer only: joining two LMSs would let one
		// LMS's users become the other's.
		return nil, proctor.E(proctor.CodeInvalid, "only registrations of one LMS (the same issuer) can be joined: %s is not %s", from.Issuer, into.Issuer)
	}
	var folded []int64
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if folded, err = tx.JoinPlatform(ctx, from.ID, into.ID); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return proctor.E(proctor.CodeConflict, "both registrations have a course with exams for the same LMS course: "+
					"Vigil cannot merge two courses; join the registrations before the second one is used")
			}
			return err
		}
		return s.audit(ctx, tx, who, proctor.AuditPlatformJoined, 0, fmt.Sprintf("platform:%d", from.ID),
			fmt.Sprintf("joined to platform %d (%s); courses folded: %v", into.ID, into.Name, folded))
	})
	return folded, err
}

func notFound(err error, msg string) error {
	if errors.Is(err, store.ErrNotFound) {
		return proctor.E(proctor.CodeNotFound, "%s", msg)
	}
	return err
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
func CheckPlatform(p *proctor.Platform) error { return checkPlatform(p, true) }

// checkPlatform is CheckPlatform; a registration made by Dynamic
// Registration may lack a deployment (an LMS that deploys the tool only
// once it is installed): its launches are refused, naming the deployment
// to add, until an administrator adds it.
func checkPlatform(p *proctor.Platform, needDeployment bool) error {
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
	if len(deps) == 0 && needDeployment {
		problems = append(problems, "at least one deployment id")
	}
	if len(problems) > 0 {
		return proctor.E(proctor.CodeInvalid, "the platform needs %s", strings.Join(problems, ", "))
	}
	return nil
}

func callable(raw string) bool { return lti.Callable(raw) }
