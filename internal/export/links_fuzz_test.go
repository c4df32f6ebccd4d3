package export_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"vigil/internal/export"
	"vigil/internal/proctor"
)

// linkCodes are the reasons a download link may be refused for.
var linkCodes = map[string]bool{"tampered": true, "other_user": true, "expired": true, "not_ready": true}

// FuzzExportLink checks arbitrary download-link queries against a ready
// export. A link that passes must name exactly the export's user and
// expiry with the signature Vigil issued (the only link that verifies is
// one Vigil made); a refusal carries a known code and a 4xx status.
func FuzzExportLink(f *testing.F) {
	w := newWorld(f)
	links, err := export.NewLinks(context.Background(), w.st, "https://vigil.example.edu")
	if err != nil {
		f.Fatal(err)
	}
	e := &proctor.Export{ID: 12, UserID: w.user.ID, State: proctor.ExportReady, ExpiresAt: t0.Add(7 * 24 * time.Hour)}
	issued := issuedQuery(f, links, e)
	if err := links.Check(e, issued, e.UserID, t0); err != nil {
		f.Fatalf("the issued link is refused, so the fuzzer would test only refusals: %v", err)
	}
	f.Add(issued.Encode(), int64(0), false)
	f.Add(issued.Encode(), int64(0), true)
	f.Add("u="+issued.Get("u")+"&e="+issued.Get("e")+"&s="+issued.Get("s")+"x", int64(0), false)
	f.Add("u=+"+issued.Get("u")+"&e=0"+issued.Get("e")+"&s="+issued.Get("s"), int64(0), false)
	f.Add("u=1&e=99999999999&s=", int64(1), false)
	f.Add("s="+issued.Get("s"), int64(8*24*3600), false)
	f.Add("u=%zz", int64(-1), false)
	f.Fuzz(func(t *testing.T, rawQuery string, later int64, byOther bool) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return // the server's query parser refuses it before Check
		}
		follower := e.UserID
		if byOther {
			follower++
		}
		err = links.Check(e, q, follower, t0.Add(time.Duration(later)*time.Second))
		if err != nil {
			var p *export.LinkProblem
			if !errors.As(err, &p) || !linkCodes[p.Code] || p.Status < 400 || p.Status > 499 || p.Message == "" {
				t.Fatalf("refusal %#v", err)
			}
			return
		}
		if q.Get("s") != issued.Get("s") || parseInt(q.Get("u")) != e.UserID || parseInt(q.Get("e")) != e.ExpiresAt.Unix() {
			t.Fatalf("link %q verified but is not the one issued (%q)", rawQuery, issued.Encode())
		}
		if byOther {
			t.Fatalf("link %q verified for another user", rawQuery)
		}
	})
}

func parseInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func issuedQuery(tb testing.TB, links *export.Links, e *proctor.Export) url.Values {
	tb.Helper()
	u, err := url.Parse(links.Path(e))
	if err != nil {
		tb.Fatal(err)
	}
	return u.Query()
}
