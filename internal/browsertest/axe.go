package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/testneeds"
)

// relAxePath is where scripts/setup-axe puts axe-core, under the module root.
const relAxePath = "third_party/axe/axe.min.js"

// AxeFinding is one accessibility rule a page breaks, as axe-core reports it.
type AxeFinding struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"` // CSS selectors of the offending elements
}

func (f AxeFinding) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", f.ID, f.Impact, f.Help, strings.Join(f.Nodes, ", "))
}

// Axe runs axe-core (WCAG 2.1 A and AA rules) on the page the browser shows
// now and returns what it finds at every impact level.
func Axe(t testing.TB, ctx context.Context) []AxeFinding {
	t.Helper()
	src := axeSource(t)
	// axe.run is asynchronous: the page keeps its result in a global that the
	// test then polls for, so no call blocks the page's event loop.
	const run = `(() => { window.__vigilAxe = undefined;
	  axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
	    .then(r => { window.__vigilAxe = JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
	      nodes: v.nodes.map(n => n.target.join(' '))}))); })
	    .catch(e => { window.__vigilAxe = JSON.stringify({error: String(e)}); });
	  return true; })()`
	Eval[bool](t, ctx, src+"\n;true")
	Eval[bool](t, ctx, run)
	Wait(t, ctx, "axe-core's result", `typeof window.__vigilAxe === 'string'`, 60*time.Second)
	raw := Eval[string](t, ctx, `window.__vigilAxe`)
	if strings.HasPrefix(raw, `{"error"`) {
		t.Fatalf("axe-core failed: %s", raw)
	}
	var findings []AxeFinding
	if err := json.Unmarshal([]byte(raw), &findings); err != nil {
		t.Fatalf("axe-core result: %v", err)
	}
	return findings
}

// AxeClean fails the test when the page has any critical or serious
// accessibility finding, naming each one.
func AxeClean(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	for _, f := range Axe(t, ctx) {
		if f.Impact == "critical" || f.Impact == "serious" {
			t.Errorf("%s: accessibility: %s", page, f)
		}
	}
}

// axeSource reads axe-core from the module root (found from the test's
// working directory), fetched there by `make testdeps`.
func axeSource(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VIGIL_AXE"); p != "" {
		return readAxe(t, p)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("browsertest: no go.mod above the test's directory")
		}
	}
	return readAxe(t, filepath.Join(dir, relAxePath))
}

func readAxe(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		testneeds.Missing(t, testneeds.Chromium, "axe-core is not at "+path,
			"`make testdeps` fetches it (scripts/setup-axe), or set VIGIL_AXE to a copy of axe.min.js")
	}
	return string(b)
}
