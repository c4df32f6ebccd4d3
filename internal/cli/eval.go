package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"vigil/internal/eval"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
)

const evalUsage = `Measures detection on scenarios (the format of the shared docs/EVAL.md). Each
scenario is played through the real ingest API and analysis of a Vigil started
for the purpose in a temporary folder; prints, per violation type, TP, FP, FN,
precision, recall and the mean start/end error in seconds, and which part of the
split each scenario belongs to (tuning or judging: docs/DETECTION.md); then, per
type, every missed and every false violation with its scenario and times; and
where a scenario says how many faces each video span shows ("faces"), every
frame whose face count is wrong, each missed face counted. Exits 1 when a type
that appears is below the target precision and recall (0.95).

  vigil eval [--media DIR[:DIR...]] [--json] [--identity auto|on|off|only] [scenario.json ...]

Without scenario files it plays ../shared/scenarios/*.json. Media paths are
looked up in each --media folder in turn; by default the shared media, then
the repository's own synthetic media (testdata/media).

The identity evaluation (docs/IDENTITY.md) compares faces with the server's
face-embedding model and threshold: the same people in other photos and webcam
frames (the shared media), and different people (../shared/fairface). It
prints false-reject and false-accept rates per FairFace group, and exits 1 when
a group is past the targets. It runs by default when no scenario file is given
(--identity auto); "only" skips the scenarios.`

// sharedRoot is where the project's shared folder sits during development.
const sharedRoot = "../shared"

// ownMedia is the repository's synthetic media (tones, music beds, fans),
// seen from the repository root.
const ownMedia = "testdata/media"

func runEval(ctx context.Context, e env, args []string) error {
	tmp, err := os.MkdirTemp("", "vigil-eval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var mediaDir, fairFace, identity *string
	var asJSON *bool
	var files []string
	cfg, err := parseConfig(e, "eval", evalUsage, args, func(fs *flag.FlagSet) {
		mediaDir = fs.String("media", filepath.Join(sharedRoot, "media"),
			"the media `folders` scenario paths are relative to (the first that has a file wins; "+ownMedia+" is added when it exists and --media is not given)")
		asJSON = fs.Bool("json", false, `print {"types": [...], "identity": {...}} as JSON instead of tables`)
		identity = fs.String("identity", "auto", "run the identity evaluation: auto (when no scenario file is given), on, off, or only (no scenarios)")
		fairFace = fs.String("fairface", filepath.Join(sharedRoot, "fairface"), "the FairFace sample `folder` of the identity evaluation (LABELS.csv and the images)")
		// A private server in a temporary folder by default; like every
		// default, a flag or a variable changes it (docs/OPERATIONS.md).
		setDefault(fs, "data", tmp)
		setDefault(fs, "addr", "127.0.0.1:0")
		setDefault(fs, "log-level", "warn")
	}, &files)
	if err != nil {
		return err
	}
	plan, err := evalPlan(*identity, len(files), *fairFace)
	if err != nil {
		return err
	}
	var scenarios []*scenario.Scenario
	if plan.scenarios {
		if scenarios, err = loadScenarios(files); err != nil {
			return err
		}
	}
	dirs := *mediaDir
	if st, err := os.Stat(ownMedia); err == nil && st.IsDir() && dirs == filepath.Join(sharedRoot, "media") {
		dirs += string(filepath.ListSeparator) + ownMedia
	}
	media, err := eval.MediaDirs(dirs)
	if err != nil {
		return fmt.Errorf("%w: pass --media DIR[:DIR...]", err)
	}
	if err := migrate(ctx, env{stdout: discard{}}, cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	return a.serve(ctx, func(base string) error {
		defer stop()
		return a.evaluate(ctx, e, base, media, scenarios, plan, *asJSON)
	})
}

// evalRun says what `vigil eval` measures.
type evalRun struct {
	scenarios bool
	fairFace  string // the FairFace folder; "" without the identity evaluation
}

func evalPlan(identity string, files int, fairFace string) (evalRun, error) {
	var p evalRun
	switch identity {
	case "auto":
		p.scenarios = true
		if files == 0 {
			p.fairFace = fairFace
		}
	case "on":
		p.scenarios, p.fairFace = true, fairFace
	case "off":
		p.scenarios = true
	case "only":
		p.fairFace = fairFace
	default:
		return p, fmt.Errorf("--identity %q: want auto, on, off or only", identity)
	}
	if p.fairFace != "" {
		if st, err := os.Stat(filepath.Join(p.fairFace, "LABELS.csv")); err != nil || !st.Mode().IsRegular() {
			return p, fmt.Errorf("FairFace sample %s not found (no LABELS.csv): pass --fairface DIR, or --identity off", p.fairFace)
		}
	}
	return p, nil
}

func loadScenarios(files []string) ([]*scenario.Scenario, error) {
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(sharedRoot, "scenarios", "*.json"))
		if len(files) == 0 {
			return nil, errors.New("no scenario files given, and none in ../shared/scenarios")
		}
	}
	var out []*scenario.Scenario
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sc, err := scenario.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, sc)
	}
	return out, nil
}

func (a *app) evaluate(ctx context.Context, e env, base string, media fs.FS, scenarios []*scenario.Scenario, plan evalRun, asJSON bool) error {
	r := &eval.Runner{Store: a.store, Now: a.now, Wait: 2 * time.Minute,
		Client: &simclient.Client{Base: base, HTTP: &http.Client{Timeout: time.Minute}, Media: media, Retries: 5}}
	rep, outcomes, err := r.Run(ctx, scenarios)
	if err != nil {
		return err
	}
	if plan.fairFace != "" {
		if rep.Identity, err = eval.RunIdentity(ctx, eval.IdentityOptions{Media: media, FairFace: os.DirFS(plan.fairFace),
			Identity: a.models.Identity()}); err != nil {
			return err
		}
	}
	if !plan.scenarios {
		rep.Types = nil
	}
	if asJSON {
		if err := rep.WriteJSON(e.stdout); err != nil {
			return err
		}
		return rep.Check()
	}
	if !plan.scenarios {
		if err := rep.Identity.WriteTable(e.stdout, a.cfg.FaceEmbeddingModel); err != nil {
			return err
		}
		return rep.Check()
	}
	for _, o := range outcomes {
		fmt.Fprintf(e.stdout, "%s (%s): expected %d, reported %d applied\n", o.Name, eval.PartOf(o.Name), len(o.Expected), len(o.Reported))
		if o.Missed() {
			for _, x := range o.Expected {
				fmt.Fprintf(e.stdout, "    expected %-17s %6.1f–%6.1f s %s\n", x.Type, x.From, x.To, x.Cause)
			}
			for _, r := range o.Reported {
				fmt.Fprintf(e.stdout, "    reported %-17s %6.1f–%6.1f s %s\n", r.Type, r.From, r.To, r.Cause)
			}
		}
	}
	fmt.Fprintln(e.stdout)
	if err := rep.WriteTable(e.stdout); err != nil {
		return err
	}
	if rep.Identity != nil {
		fmt.Fprintln(e.stdout)
		if err := rep.Identity.WriteTable(e.stdout, a.cfg.FaceEmbeddingModel); err != nil {
			return err
		}
	}
	if err := rep.Check(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nprecision and recall ≥ %.2f for every type that appears\n", eval.Target)
	return nil
}
