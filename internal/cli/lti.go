package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"vigil/internal/config"
	"vigil/internal/lms"
	"vigil/internal/lti"
	"vigil/internal/proctor"
)

func runLTI(ctx context.Context, e env, args []string) error {
	return runGroup(ctx, e, "lti", ltiCommands(), args)
}

func ltiCommands() []adminCommand {
	return []adminCommand{
		{"info", "print the addresses and keys an LMS needs to register Vigil", ltiInfoCmd},
		{"registration-url", "make a one-time address an LMS registers Vigil with (LTI Dynamic Registration)", registrationURLCmd},
		{"add-platform", "register an LMS (LTI 1.3 platform) by hand", addPlatformCmd},
		{"platforms", "list the registered LMSs", listPlatformsCmd},
		{"join-platform", "join a registration to another of the same LMS (they share courses and people)", joinPlatformCmd},
		{"rotate-keys", "publish a new signing key and sign with the next one", rotateKeysCmd},
	}
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func keyring(st database) *lti.Keyring {
	return lti.NewKeyring(st, func() time.Time { return time.Now().UTC() })
}

func ltiInfoCmd(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		if err := keyring(st).Ensure(ctx); err != nil {
			return err
		}
		b := strings.TrimRight(cfg.BaseURL, "/")
		w := e.stdout
		fmt.Fprintf(w, "Vigil as an LTI 1.3 tool: what an LMS administrator pastes into the LMS.\n\n")
		fmt.Fprintf(w, "Register with a URL (LTI Dynamic Registration; Moodle 4.1+, Canvas):\n"+
			"  vigil lti registration-url   makes a one-time address to paste instead of everything below\n\n")
		fmt.Fprintf(w, "Or by hand:\n"+
			"  tool URL               %s/lti/exam        (Moodle: each activity is one proctored exam)\n"+
			"  target link URI        %s/lti/dashboard   (Canvas course menu: the course dashboard)\n"+
			"  login initiation URL   %s/lti/login\n"+
			"  redirect URI(s)        %s/lti/launch\n"+
			"  deep linking URL       %s/lti/deep-link   (content selection: an exam or the course dashboard)\n"+
			"  public keyset (JWKS)   %s/lti/jwks\n"+
			"  Canvas configuration   %s/lti/canvas.json\n"+
			"  services               Names and Role Provisioning only; no grades (Moodle: Accept grades from the tool: Never)\n",
			b, b, b, b, b, b, b)
		kid, pub, err := keyring(st).PublicPEM(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  public key (PEM, key id %s), for an LMS that takes a pasted key instead of the keyset URL:\n%s", kid, pub)
		if hints := lms.ReachHints(b, ""); len(hints) > 0 {
			fmt.Fprintf(w, "\nCheck before registering — the LMS must be able to call Vigil at this address:\n")
			for _, h := range hints {
				fmt.Fprintf(w, "  - %s\n", h)
			}
		}
		return nil
	}
}

func registrationURLCmd(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		svc := &lms.Service{Store: st, Now: func() time.Time { return time.Now().UTC() }, Log: slog.New(slog.DiscardHandler), Base: cfg.BaseURL}
		link, l, err := svc.NewRegistrationLink(ctx, lms.Who{Name: "cli", Remote: hostname()})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n(works once, until %s: paste it into the LMS — Moodle: Manage tools → Tool URL → Add LTI Advantage; "+
			"Canvas: Developer Keys → + Developer Key → LTI Registration)\n", link, l.ExpiresAt.Format("2006-01-02 15:04 MST"))
		return nil
	}
}

func joinPlatformCmd(fs *flag.FlagSet) runFunc {
	from := fs.Int64("platform", 0, "the registration to join (its number in vigil lti platforms)")
	into := fs.Int64("into", 0, "the registration of the same LMS whose courses and people it shares")
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		svc := &lms.Service{Store: st, Now: func() time.Time { return time.Now().UTC() }, Log: slog.New(slog.DiscardHandler)}
		folded, err := svc.JoinPlatform(ctx, lms.Who{Name: "cli", Remote: hostname()}, *from, *into)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "registration %d joined to %d: one LMS; empty courses switched off: %d\n", *from, *into, len(folded))
		return nil
	}
}

func addPlatformCmd(fs *flag.FlagSet) runFunc {
	p := &proctor.Platform{}
	var deployments stringList
	fs.StringVar(&p.Name, "name", "", "a name for the LMS, e.g. \"College Canvas\"")
	fs.StringVar(&p.Issuer, "issuer", "", "the LMS's issuer (Canvas cloud: https://canvas.instructure.com)")
	fs.StringVar(&p.ClientID, "client-id", "", "the client id the LMS gave Vigil")
	fs.StringVar(&p.AuthURL, "auth-url", "", "the LMS's OIDC authorisation URL")
	fs.StringVar(&p.TokenURL, "token-url", "", "the LMS's access token URL")
	fs.StringVar(&p.JWKSURL, "jwks-url", "", "the LMS's public keyset URL")
	fs.Var(&deployments, "deployment", "a deployment id (repeat for several)")
	fs.BoolVar(&p.AutoEnable, "auto-enable", false, "enable its courses at first launch instead of by request")
	fs.StringVar(&p.CanvasURL, "canvas-url", "", "Canvas only: the instance's address, for its REST API")
	fs.StringVar(&p.CanvasClientID, "canvas-client-id", "", "Canvas only: a developer (API) key id for instructors to authorise Vigil")
	tokenStdin := fs.Bool("canvas-token-stdin", false, "Canvas only: read an API token from standard input (first line)")
	secretStdin := fs.Bool("canvas-secret-stdin", false, "Canvas only: read the developer key's secret from standard input (first line)")
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		p.Deployments = deployments
		if *tokenStdin || *secretStdin {
			secret, err := readLine(e.stdin)
			if err != nil {
				return err
			}
			if *tokenStdin {
				p.CanvasToken = secret
			} else {
				p.CanvasClientSecret = secret
			}
		}
		svc := &lms.Service{Store: st, Now: func() time.Time { return time.Now().UTC() }, Log: slog.New(slog.DiscardHandler)}
		if err := svc.SavePlatform(ctx, lms.Who{Name: "cli"}, p); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "registered %s (platform %d): issuer %s, client id %s, %d deployment(s)\n", p.Name, p.ID, p.Issuer, p.ClientID, len(p.Deployments))
		return nil
	}
}

func listPlatformsCmd(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		ps, err := st.ListPlatforms(ctx)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			fmt.Fprintln(e.stdout, "no LMS is registered (vigil lti add-platform)")
		}
		for _, p := range ps {
			fmt.Fprintf(e.stdout, "%d  %s  issuer %s  client id %s  deployments %s", p.ID, p.Name, p.Issuer, p.ClientID, strings.Join(p.Deployments, ","))
			if p.Product != "" {
				fmt.Fprintf(e.stdout, "  (%s)", p.Product)
			}
			if p.JoinedTo != 0 {
				fmt.Fprintf(e.stdout, "  same LMS as %d", p.JoinedTo)
			}
			fmt.Fprintln(e.stdout)
		}
		return nil
	}
}

func rotateKeysCmd(fs *flag.FlagSet) runFunc {
	force := fs.Bool("force", false, "rotate even if the next key was published less than a day ago")
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		r, err := keyring(st).Rotate(ctx, *force)
		if err != nil {
			return err
		}
		if err := st.AppendAudit(ctx, &proctor.AuditEntry{At: time.Now().UTC(), Actor: "cli", Action: proctor.AuditKeysRotated,
			Subject: "lti:keys", Detail: "activated " + r.Activated, Remote: hostname()}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "key %s now signs; %s is published as the next key", r.Activated, r.Created)
		if len(r.Deleted) > 0 {
			fmt.Fprintf(e.stdout, "; no longer published: %s", strings.Join(r.Deleted, ", "))
		}
		fmt.Fprintln(e.stdout)
		return nil
	}
}
