package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"vigil/internal/config"
)

// operationsDoc holds the configuration tables: the settings every command
// shares, and each command's own flags.
const operationsDoc = "../../docs/OPERATIONS.md"

var (
	helpFlag    = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	helpCommand = regexp.MustCompile(`(?m)^  ([a-z][a-z-]*) +\S`)
	docFlag     = regexp.MustCompile("`--([a-z0-9-]+)`")
	docVariable = regexp.MustCompile("`(VIGIL_[A-Z0-9_]+)`")
	docCommand  = regexp.MustCompile("^`vigil ([a-z -]+)`$")
)

// commandPaths lists every command that takes flags, as typed after
// `vigil`, read from the help of vigil and of its command groups.
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	_, top, _ := run(t, "", "--help")
	var paths [][]string
	for _, m := range helpCommand.FindAllStringSubmatch(top[strings.Index(top, "Commands:"):], -1) {
		name := m[1]
		if name == "extension" { // its one command is documented in its usage, not a list
			paths = append(paths, []string{"extension", "pack"})
			continue
		}
		_, out, _ := run(t, "", name, "--help")
		if !strings.Contains(out, "Usage: vigil "+name+" <command>") {
			paths = append(paths, []string{name})
			continue
		}
		for _, sub := range helpCommand.FindAllStringSubmatch(out[strings.Index(out, "Commands:"):], -1) {
			paths = append(paths, []string{name, sub[1]})
		}
	}
	if len(paths) < 10 {
		t.Fatalf("found only %d commands in the help: %v", len(paths), paths)
	}
	return paths
}

// flagsOf returns the flags a command's --help lists.
func flagsOf(t *testing.T, path []string) []string {
	t.Helper()
	code, out, errOut := run(t, "", append(slices.Clone(path), "--help")...)
	if code != 0 {
		t.Fatalf("vigil %s --help: exit %d: %s", strings.Join(path, " "), code, errOut)
	}
	var flags []string
	for _, m := range helpFlag.FindAllStringSubmatch(out, -1) {
		flags = append(flags, m[1])
	}
	return flags
}

// docTables reads the flag tables: shared flag -> variable, and
// "command flag" -> variable for the rows whose first cell is a command.
func docTables(t *testing.T) (shared, own map[string]string) {
	t.Helper()
	data, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	shared, own = map[string]string{}, map[string]string{}
	for line := range strings.SplitSeq(string(data), "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) < 3 {
			continue
		}
		command := ""
		if m := docCommand.FindStringSubmatch(strings.TrimSpace(cells[0])); m != nil {
			command, cells = m[1], cells[1:]
		}
		flags := docFlag.FindAllStringSubmatch(cells[0], -1)
		vars := docVariable.FindAllStringSubmatch(cells[1], -1)
		if len(flags) == 0 {
			continue
		}
		if len(flags) != len(vars) {
			t.Errorf("%s: row %q names %d flags and %d variables", filepath.Base(operationsDoc), line, len(flags), len(vars))
			continue
		}
		for i, f := range flags {
			if command == "" {
				shared[f[1]] = vars[i][1]
			} else {
				own[command+" "+f[1]] = vars[i][1]
			}
		}
	}
	return shared, own
}

// TestFlagsTable: every flag of every command is in the tables of
// docs/OPERATIONS.md with the variable that sets it, its --help names that
// variable, and the tables name no flag that does not exist.
func TestFlagsTable(t *testing.T) {
	docShared, docOwn := docTables(t)
	seenShared, seenOwn := map[string]bool{}, map[string]bool{}
	for _, path := range commandPaths(t) {
		command := strings.Join(path, " ")
		_, help, _ := run(t, "", append(slices.Clone(path), "--help")...)
		for _, f := range flagsOf(t, path) {
			want := config.EnvName(command, f)
			if !strings.Contains(help, "("+want+")") && !strings.Contains(help, want+")") && !strings.Contains(help, want+";") {
				t.Errorf("vigil %s --help: --%s does not name %s", command, f, want)
			}
			doc, key, seen := docShared, f, seenShared
			if !config.Shared(f) {
				doc, key, seen = docOwn, command+" "+f, seenOwn
			}
			if seen[key] {
				continue // a shared flag: checked on the first command
			}
			seen[key] = true
			switch got, ok := doc[key]; {
			case !ok:
				t.Errorf("docs/OPERATIONS.md: no row for --%s of vigil %s (%s)", f, command, want)
			case got != want:
				t.Errorf("docs/OPERATIONS.md: --%s of vigil %s is set by %s, the docs say %s", f, command, want, got)
			}
		}
	}
	for f := range docShared {
		if !seenShared[f] {
			t.Errorf("docs/OPERATIONS.md names --%s, which no command has", f)
		}
	}
	for k := range docOwn {
		if !seenOwn[k] {
			t.Errorf("docs/OPERATIONS.md names --%s of vigil %s, which it does not have", strings.Fields(k)[len(strings.Fields(k))-1], strings.Join(strings.Fields(k)[:len(strings.Fields(k))-1], " "))
		}
	}
}

// TestEveryFlagHasItsVariable: a command's own flag and a shared one are
// set by their variables, a flag on the command line wins, and a value the
// flag refuses is named with its variable.
func TestEveryFlagHasItsVariable(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ext.zip")
	t.Setenv("VIGIL_EXTENSION_PACK_OUT", out)
	if code, _, errOut := run(t, "", "extension", "pack"); code != 0 {
		t.Fatalf("extension pack with VIGIL_EXTENSION_PACK_OUT: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("VIGIL_EXTENSION_PACK_OUT did not choose where the extension goes: %v", err)
	}

	t.Setenv("VIGIL_EVAL_MEDIA", "/nonexistent-media")
	if code, _, errOut := run(t, "", "eval", "../../../shared/scenarios/06-browser-and-apps.json"); code != 1 || !strings.Contains(errOut, "media folder /nonexistent-media not found") {
		t.Errorf("eval with VIGIL_EVAL_MEDIA: exit %d, %q", code, errOut)
	}

	dir := t.TempDir()
	t.Setenv("VIGIL_LOG_LEVEL", "loud")
	if code, _, errOut := run(t, "", "migrate", "--data", dir); code != 1 || !strings.Contains(errOut, `log-level "loud"`) {
		t.Errorf("migrate with VIGIL_LOG_LEVEL=loud: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "migrate", "--data", dir, "--log-level", "warn"); code != 0 {
		t.Errorf("--log-level should win over VIGIL_LOG_LEVEL: exit %d, %q", code, errOut)
	}

	t.Setenv("VIGIL_ADMIN_SESSION_LINK_TTL", "soon")
	if code, _, errOut := run(t, "", "admin", "session-link", "--data", dir); code != 1 || !strings.Contains(errOut, `VIGIL_ADMIN_SESSION_LINK_TTL="soon"`) {
		t.Errorf("admin session-link with a bad VIGIL_ADMIN_SESSION_LINK_TTL: exit %d, %q", code, errOut)
	}
}
