package lms

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"vigil/internal/auth"
	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// LTI Dynamic Registration: a Vigil administrator makes a one-time
// registration link; an LMS administrator pastes it into the LMS, which
// opens it with its configuration's address; Vigil registers itself there
// and keeps the registration. The link is what makes the LMS trusted: an
// address anyone could open would let anyone register an "LMS" whose users
// Vigil would then accept.

// RegistrationLinkLife is how long a registration link works.
const RegistrationLinkLife = 7 * 24 * time.Hour

// NewRegistrationLink makes a registration link and returns its address.
func (s *Service) NewRegistrationLink(ctx context.Context, who Who) (string, *proctor.RegistrationLink, error) {
	token, hash := auth.NewToken()
	now := s.Now()
	l := &proctor.RegistrationLink{TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(RegistrationLinkLife), CreatedBy: whoName(who)}
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateRegistrationLink(ctx, l); err != nil {
			return err
		}
		return s.audit(ctx, tx, who, proctor.AuditRegistrationLink, 0, "lti:registration", "valid until "+l.ExpiresAt.Format(time.RFC3339))
	})
	return strings.TrimRight(s.Base, "/") + "/lti/register/" + token, l, err
}

func whoName(w Who) string {
	if w.User != nil {
		return w.User.Email
	}
	return w.Name
}

// RegistrationOffer is what the registration page shows before the LMS
// administrator confirms.
type RegistrationOffer struct {
	Config *lti.PlatformConfig
	// Name suggested for the registration.
	Name string
	// Same are the registrations of this LMS (its issuer) Vigil has
	// already: the new one can join them, sharing their courses.
	Same []proctor.Platform
	// Hints: what, in Vigil's address, this LMS would probably refuse to
	// call (docs/MOODLE.md).
	Hints []string
}

// checkLink finds a registration link that still works.
func (s *Service) checkLink(ctx context.Context, token string) (*proctor.RegistrationLink, error) {
	l, err := s.Store.GetRegistrationLink(ctx, auth.HashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, &lti.Refusal{Code: lti.CodeRegistrationLink, Message: "this registration address is not Vigil's (or was mistyped): ask Vigil's administrator for a new one"}
	case err != nil:
		return nil, err
	case !l.UsedAt.IsZero():
		return nil, &lti.Refusal{Code: lti.CodeRegistrationLink, Message: "this registration address was used already: each registers one LMS tool once; ask Vigil's administrator for a new one"}
	case !s.Now().Before(l.ExpiresAt):
		return nil, &lti.Refusal{Code: lti.CodeRegistrationLink, Message: "this registration address has expired: ask Vigil's administrator for a new one"}
	}
	return l, nil
}

// OfferRegistration checks a registration link and reads the LMS's
// configuration, for the page that asks to confirm.
func (s *Service) OfferRegistration(ctx context.Context, token, configURL, regToken string) (*RegistrationOffer, error) {
	if _, err := s.checkLink(ctx, token); err != nil {
		return nil, err
	}
	c, err := lti.FetchPlatformConfig(ctx, s.HTTP, configURL, regToken)
	if err != nil {
		return nil, err
	}
	o := &RegistrationOffer{Config: c, Name: defaultName(c), Hints: ReachHints(s.Base, c.Product())}
	ps, err := s.Store.ListPlatforms(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.Issuer == c.Issuer && p.JoinedTo == 0 {
			o.Same = append(o.Same, p)
		}
	}
	return o, nil
}

func defaultName(c *lti.PlatformConfig) string {
	product := "LMS"
	if f := c.LTI.ProductFamilyCode; f != "" {
		product = strings.ToUpper(f[:1]) + f[1:]
	}
	host := c.Issuer
	if u, err := url.Parse(c.Issuer); err == nil {
		host = u.Host
	}
	return product + " at " + host
}

// RegisterChoice is what the LMS administrator confirmed.
type RegisterChoice struct {
	Name string
	// JoinTo is the registration of the same LMS to join (0: none).
	JoinTo int64
}

// Register registers Vigil with the LMS through a registration link: it
// posts Vigil's client registration to the LMS and keeps the LMS's
// answer as a registration (its courses wait for an administrator's
// approval, like any LMS's), joined to another registration of the same
// LMS when chosen. The link is then used up.
func (s *Service) Register(ctx context.Context, token, configURL, regToken string, choice RegisterChoice) (*proctor.Platform, error) {
	link, err := s.checkLink(ctx, token)
	if err != nil {
		return nil, err
	}
	c, err := lti.FetchPlatformConfig(ctx, s.HTTP, configURL, regToken)
	if err != nil {
		return nil, err
	}
	var join *proctor.Platform
	if choice.JoinTo != 0 {
		if join, err = s.Store.GetPlatform(ctx, choice.JoinTo); err != nil || join.Issuer != c.Issuer {
			return nil, proctor.E(proctor.CodeInvalid, "only a registration of this LMS (issuer %s) can be joined", c.Issuer)
		}
	}
	name := strings.TrimSpace(choice.Name)
	if name == "" || len(name) > 200 {
		name = defaultName(c)
	}
	reg, err := lti.Register(ctx, s.HTTP, c, regToken, lti.ToolRegistration(s.Base, "Vigil", c))
	if err != nil {
		return nil, err
	}
	p := &proctor.Platform{Name: name, Issuer: c.Issuer, ClientID: reg.ClientID, AuthURL: c.AuthorizationEndpoint,
		TokenURL: c.TokenEndpoint, JWKSURL: c.JWKSURI, Product: c.Product(), CreatedAt: s.Now()}
	if reg.DeploymentID != "" {
		p.Deployments = []string{reg.DeploymentID}
	}
	if join != nil {
		p.JoinedTo = join.Home()
	}
	if err := checkPlatform(p, false); err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreatePlatform(ctx, p); err != nil {
			return platformConflict(err)
		}
		if err := tx.UseRegistrationLink(ctx, link.TokenHash, p.ID, s.Now()); err != nil {
			return &lti.Refusal{Code: lti.CodeRegistrationLink, Message: "this registration address was used at the same moment by another registration"}
		}
		detail := fmt.Sprintf("%s client id %s deployment %s (%s; link of %s)", p.Issuer, p.ClientID, reg.DeploymentID, p.Product, link.CreatedBy)
		if join != nil {
			detail += fmt.Sprintf("; joined to platform %d", p.JoinedTo)
		}
		return s.audit(ctx, tx, Who{Name: "lti-registration"}, proctor.AuditPlatformRegistered, 0, fmt.Sprintf("platform:%d", p.ID), detail)
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("lti platform registered", "platform", p.ID, "issuer", p.Issuer, "client_id", p.ClientID, "product", p.Product, "joined_to", p.JoinedTo)
	return p, nil
}
