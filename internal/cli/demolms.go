package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"vigil/internal/devlms"
	"vigil/internal/lms"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// demoClientID is Vigil's client id in the demo's development LMS.
const demoClientID = "vigil-demo"

// startDemoLMS starts the development LMS (internal/devlms) beside the
// demo, registers Vigil there and the LMS in Vigil, so a newcomer can
// launch Vigil through real LTI messages as an instructor or a student. It
// returns the LMS's address; the LMS stops with ctx.
func (a *app) startDemoLMS(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("development LMS: listen on %s: %w (choose another with --lms-addr, or \"\" for none)", addr, err)
	}
	p, err := devlms.New(devlms.Options{})
	if err != nil {
		ln.Close()
		return "", err
	}
	base := "http://" + ln.Addr().String()
	p.SetBaseURL(base)
	seed := devlms.Seed(p)
	vigil := strings.TrimRight(a.cfg.BaseURL, "/")
	err = p.RegisterTool(devlms.Tool{ClientID: demoClientID, DeploymentID: "1", Name: "Vigil", LoginURL: vigil + "/lti/login",
		RedirectURIs: []string{vigil + "/lti/launch"}, TargetLinkURI: vigil + "/lti/dashboard", JWKSURL: vigil + "/lti/jwks",
		DeepLinkURL: vigil + "/lti/deep-link", ProctoringEnabled: true})
	if err == nil {
		err = a.registerDemoLMS(ctx, p, base, p.IssueAPIToken(seed.InstructorID))
	}
	if err != nil {
		ln.Close()
		return "", err
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return base, nil
}

// registerDemoLMS registers the development LMS in Vigil (once; its API
// token changes with every start, so it is updated).
func (a *app) registerDemoLMS(ctx context.Context, p *devlms.Platform, base, token string) error {
	reg := &proctor.Platform{Name: "Development LMS (demo)", Issuer: p.Issuer(), ClientID: demoClientID, AuthURL: p.AuthURL(),
		TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(), Deployments: []string{"1"}, AutoEnable: true, CanvasURL: base, CanvasToken: token}
	old, err := a.store.FindPlatform(ctx, p.Issuer(), demoClientID)
	switch {
	case err == nil:
		reg.ID = old.ID
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return a.lti.LMS.SavePlatform(ctx, lms.Who{Name: "demo"}, reg)
}
