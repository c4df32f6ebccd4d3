// Package browsertest starts a real headless Chromium (Debian's chromium
// package) for tests, with the flags this closed, root-run machine needs.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/testneeds"
)

// Path finds Chromium: $VIGIL_CHROMIUM, then chromium or chromium-browser
// on the PATH. Without one the test is skipped, or fails where Chromium is
// required (package testneeds).
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VIGIL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testneeds.Missing(t, testneeds.Chromium, "no Chromium on the PATH",
		"`make testdeps` installs it (apt-get install -y chromium), or set VIGIL_CHROMIUM to its path")
	return ""
}

// New returns a chromedp context on a fresh headless browser; extra options
// (fake camera and microphone, for instance) are added to the defaults. The
// browser stops when the test ends.
func New(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser now, on a context without a deadline (a deadline on
	// the first run would bound the browser's whole life).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// Step bounds one interaction so a hung page fails the test instead of the
// whole run.
func Step(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Navigates runs steps that leave the page (a click on a link or on a
// form's submit button) and returns once the next document has loaded. A
// wait for an element instead can find it on the page being left, and a
// navigation started while a form's POST is still in flight aborts the POST
// (ERR_ABORTED). It fails the test when the next page answers with an error
// status.
func Navigates(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(sctx, steps...)
	if err != nil {
		t.Fatalf("%s: %v\nthe page shows:\n%s", what, err, visibleText(ctx))
	}
	if res != nil && res.Status >= 400 {
		t.Fatalf("%s: the next page answered %d %s\nit shows:\n%s", what, res.Status, res.StatusText, visibleText(ctx))
	}
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Wait polls a JavaScript expression until it is true, for up to timeout.
func Wait(t testing.TB, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		_, err := chromedp.Run(sctx, chromedp.Poll[bool](expr))
		if err == nil {
			return
		}
		// A navigation ends the poll with the page it ran in: poll the new one.
		if sctx.Err() == nil && navigating(err) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		t.Fatalf("%s: %v\nthe page shows:\n%s", what, err, visibleText(ctx))
	}
}

// visibleText is what the page shows, to explain a failed wait.
func visibleText(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ''`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return text
}

// AllowThirdPartyCookies is a profile whose settings allow third-party
// cookies: this Chromium blocks them by default, as more and more browsers
// do, and some tests need the other case too.
func AllowThirdPartyCookies(t testing.TB) chromedp.ExecAllocatorOption {
	t.Helper()
	dir := t.TempDir()
	prefs := filepath.Join(dir, "Default", "Preferences")
	if err := os.MkdirAll(filepath.Dir(prefs), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prefs, []byte(`{"profile":{"cookie_controls_mode":0}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return chromedp.UserDataDir(dir)
}

// navigating reports whether err is a page going away under a script.
func navigating(err error) bool {
	msg := err.Error()
	for _, s := range []string{"navigated", "Cannot find context", "context was destroyed", "target closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
