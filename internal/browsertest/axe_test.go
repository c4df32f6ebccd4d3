package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
)

// Axe finds what a page gets wrong and nothing on a page that is right.
func TestAxe(t *testing.T) {
	pages := map[string]string{
		"/bad":  `<!doctype html><html><head><title>t</title></head><body><main><h1>Bad</h1><img src="/x.png"><button></button></main></body></html>`,
		"/good": `<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>Good</h1><img src="/x.png" alt="a dot"><button>Go</button></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, pages[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	ctx := browsertest.New(t)

	browsertest.Step(t, ctx, "open the bad page", chromedp.Navigate(srv.URL+"/bad"))
	found := map[string]string{}
	for _, f := range browsertest.Axe(t, ctx) {
		found[f.ID] = f.Impact
	}
	for _, id := range []string{"image-alt", "button-name", "html-has-lang"} {
		if found[id] != "critical" && found[id] != "serious" {
			t.Errorf("bad page: want %s as critical or serious, axe found %v", id, found)
		}
	}

	browsertest.Step(t, ctx, "open the good page", chromedp.Navigate(srv.URL+"/good"))
	browsertest.AxeClean(t, ctx, "good page")
}
