// Package cli holds Vigil's subcommands. It is the one place that wires
// concrete types together (SQLite store, file blobs, the face detector).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"vigil/internal/config"
)

// env is what a command sees of the outside world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (HTTP; on SQLite also the background jobs)", runServe},
		{"work", "run background jobs only (PostgreSQL deployments, any number of processes)", runWork},
		{"migrate", "create or upgrade the database schema", runMigrate},
		{"demo", "start a demo course filled with simulated sessions", runDemo},
		{"admin", "manage users, courses, exams, students and links", runAdmin},
		{"lti", "register LMSs (LTI 1.3) and rotate Vigil's keys", runLTI},
		{"eval", "measure detection on scenarios (precision, recall per type)", runEval},
		{"fairness", "measure face-detection recall per demographic group", runFairness},
		{"loadtest", "load a running server with simulated students; latency, errors, items lost", runLoadtest},
		{"extension", "write the students' browser extension (pack --out FILE.zip|DIR)", runExtension},
	}
}

// Run runs the subcommand named by args[0] and returns the exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(e, c.run(ctx, e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "vigil: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Vigil: self-hostable online exam proctoring.\n\nUsage: vigil <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `vigil <command> --help` for a command's flags. Every flag can also be set")
	fmt.Fprintln(w, "with the VIGIL_* environment variable its help names; a flag wins over the variable.")
}

// setDefault changes a flag's default, for a command whose default differs
// from the shared one: unlike fs.Set it leaves the flag "not given", so its
// variable still applies.
func setDefault(fs *flag.FlagSet, name, value string) {
	f := fs.Lookup(name)
	if err := f.Value.Set(value); err != nil {
		panic(fmt.Sprintf("default %q of --%s: %v", value, name, err))
	}
	f.DefValue = value
}

// errUsage marks an error already explained by the flag package.
var errUsage = errors.New("usage")

func exitCode(e env, err error) int {
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(e.stderr, "vigil: %v\n", err)
	return 1
}

// parseConfig parses a command's flags — the shared settings, plus the
// command's own that extra adds — and validates the configuration. usage is
// the help text printed above the flags. Arguments after the flags go to
// positional, or are refused when it is nil.
func parseConfig(e env, name, usage string, args []string, extra func(*flag.FlagSet), positional ...*[]string) (*config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg := &config.Config{}
	cfg.Bind(fs)
	if extra != nil {
		extra(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: vigil %s [flags]\n\n%s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	var rest *[]string
	if len(positional) > 0 {
		rest = positional[0]
	}
	if err := parse(e, fs, args, rest); err != nil {
		return nil, err
	}
	if err := errors.Join(cfg.Finish(), finishWiring(cfg)); err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, nil
}

// parse parses a command's flags, printing usage to stderr on error, then
// sets the flags the command line did not give from their VIGIL_*
// variables (config.ApplyEnv: every flag of every command goes through
// here). Remaining arguments go to rest, or are an error when rest is nil.
func parse(e env, fs *flag.FlagSet, args []string, rest *[]string) error {
	fs.SetOutput(e.stderr)
	config.NameEnv(fs)
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout) // asked for: help is the output
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if err := config.ApplyEnv(fs); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if rest != nil {
		*rest = fs.Args()
		return nil
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "unexpected arguments: %v\n", fs.Args())
		fs.Usage()
		return errUsage
	}
	return nil
}
