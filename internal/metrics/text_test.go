package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseTextReadsWhatTheHandlerServes(t *testing.T) {
	m := New()
	m.StorageFull(true)
	m.ObserveIngest("frame", 201, 3*time.Millisecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	got, err := ParseText(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v := got["vigil_storage_full"]; v != 1 {
		t.Errorf("vigil_storage_full = %v, want 1 (of %d series)", v, len(got))
	}
	var frames float64
	for series, v := range got {
		if strings.HasPrefix(series, "vigil_uploads_total{") && strings.Contains(series, `route="frame"`) {
			frames += v
		}
	}
	if frames != 1 {
		t.Errorf("frame uploads counted %v, want 1", frames)
	}
}

func TestParseTextAddsRepeatedSeriesAndSkipsComments(t *testing.T) {
	page := "# HELP x a counter\n# TYPE x counter\nx{a=\"b c\"} 2\nx{a=\"b c\"} 3.5\ny NaN\nz notanumber\n\n"
	got, err := ParseText(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if v := got[`x{a="b c"}`]; v != 5.5 {
		t.Errorf(`x{a="b c"} = %v, want 5.5`, v)
	}
	if _, ok := got["z"]; ok {
		t.Error("a value that is not a number was read")
	}
	if len(got) != 2 {
		t.Errorf("got %d series %v, want x and y", len(got), got)
	}
}
