package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// The one way a variable sets a flag, for every flag of every command:
// after the command line is parsed, each flag it did not give is set from
// its variable, if that is present. A flag therefore wins over its
// variable, and a variable over the built-in default.
//
// Names: the settings every command shares (Bind) are VIGIL_<FLAG>; a
// command's own flags carry the command, VIGIL_<COMMAND>_<FLAG>, so that
// --email of `vigil admin create-user` and --json of `vigil eval` cannot
// leak into other commands. Dashes and spaces become underscores:
// --job-timeout is VIGIL_JOB_TIMEOUT, --out of `vigil extension pack` is
// VIGIL_EXTENSION_PACK_OUT.

// envNameOf lists the shared flags whose variable predates the rule.
var envNameOf = map[string]string{"data": "VIGIL_DATA_DIR"}

// sharedFlags are the flags Bind registers, computed once from Bind itself
// so the list cannot drift.
var sharedFlags = func() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	(&Config{}).Bind(fs)
	out := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { out[f.Name] = true })
	return out
}()

// Shared reports whether a flag is one of the settings every command has.
func Shared(flagName string) bool { return sharedFlags[flagName] }

// EnvName returns the variable of a flag of a command (the flag set's
// name, e.g. "eval" or "admin create-user").
func EnvName(command, flagName string) string {
	if Shared(flagName) {
		if n, ok := envNameOf[flagName]; ok {
			return n
		}
		return envWord(flagName)
	}
	return envWord(command + "_" + flagName)
}

func envWord(s string) string {
	return "VIGIL_" + strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(s))
}

// NameEnv adds its variable to the help text of every flag of fs that
// does not name it yet, so `vigil <command> --help` lists them. Call it
// before parsing.
func NameEnv(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if name := EnvName(fs.Name(), f.Name); !strings.Contains(f.Usage, name) {
			f.Usage += " (" + name + ")"
		}
	})
}

// ApplyEnv sets every flag of fs that the command line did not give from
// its variable, when the variable is present. Call it after parsing. The
// error lists every variable whose value the flag refused.
func ApplyEnv(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := EnvName(fs.Name(), f.Name)
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a valid --%s: %v", name, v, f.Name, err))
		}
	})
	return errors.Join(errs...)
}
