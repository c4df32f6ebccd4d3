package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/blob"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/store"
	"vigil/internal/testserver"
)

// TestStudentScreenLinkAndPhotos: once the review is released, a flag
// whose moment has screen recording gives the student a signed link that
// plays it (range requests, no cookie or token), audited once however
// often the player reads; a changed link is refused and an expired one is
// gone. Another session's token gets no link, nor does a review not
// released. A Different Person flag shows the student the scan and the
// onboarding photo it was compared with, each view audited.
func TestStudentScreenLinkAndPhotos(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	st := mailedStudent(t, srv, f)
	sess, link := flaggedSession(t, srv, f, st)
	ctx := context.Background()
	vs, err := srv.Store.ListViolations(ctx, sess.ID)
	must(t, err)
	byType := map[proctor.ViolationType]proctor.Violation{}
	for _, v := range vs {
		if v.Applied {
			byType[v.Type] = v
		}
	}
	apps, identity := byType[proctor.BlacklistedApps], byType[proctor.DifferentPerson]
	token := start(t, client{t, srv.URL}, link).token
	screenPath := fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/screen", sess.ID, apps.ID)
	photoPath := func(v proctor.Violation, id int64) string {
		return fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/photos/%d", sess.ID, v.ID, id)
	}

	// Not released: nothing.
	if res := apiWith(t, srv, token, "GET", screenPath, nil); res.status != http.StatusNotFound || strings.Contains(res.body, "/evidence/screen/") {
		t.Fatalf("a screen link before release: %d %s", res.status, res.body)
	}
	if res := apiWith(t, srv, token, "GET", photoPath(identity, identity.PhotoIDs[0]), nil); res.status != http.StatusNotFound {
		t.Fatalf("a photo before release: %d", res.status)
	}
	teacher := review.Actor{User: &f.Instructor}
	must(t, srv.Student.SetCourse(ctx, teacher, f.Course.ID, true))
	if _, err := srv.Student.Release(ctx, teacher, sess.ID, srv.Now().Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// The review says which flags have screen recording and photos.
	var rv struct {
		Flags []struct {
			ID     int64
			Type   string
			Screen bool
			Photos []struct {
				ID         int64
				Onboarding bool
				Label      string
			}
		}
	}
	res := apiWith(t, srv, token, "GET", fmt.Sprintf("/api/v1/sessions/%d/review", sess.ID), nil)
	must(t, json.Unmarshal(res.data, &rv))
	for _, fl := range rv.Flags {
		if fl.Screen != (fl.ID == apps.ID) || (len(fl.Photos) > 0) != (fl.ID == identity.ID) {
			t.Errorf("flag %d (%s): screen %v, %d photos", fl.ID, fl.Type, fl.Screen, len(fl.Photos))
		}
		if fl.ID == identity.ID && (len(fl.Photos) != 2 || fl.Photos[0].Onboarding || !fl.Photos[1].Onboarding) {
			t.Errorf("the Different Person flag's photos: %+v, want the scan and the onboarding photo", fl.Photos)
		}
	}

	// Another session's token gets no link to this session's flag.
	other := start(t, client{t, srv.URL}, srv.Link(t, f, 0))
	if res := apiWith(t, srv, other.token, "GET", screenPath, nil); res.status != http.StatusForbidden {
		t.Fatalf("another session's token asked for the link: %d %s", res.status, res.body)
	}
	if res := apiWith(t, srv, other.token, "GET", fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/screen", other.id, apps.ID), nil); res.status != http.StatusNotFound {
		t.Fatalf("another session asked for this flag through its own id: %d %s", res.status, res.body)
	}
	if res := apiWith(t, srv, token, "GET", fmt.Sprintf("/api/v1/sessions/%d/evidence/%d/screen", sess.ID, byType[proctor.Keystrokes].ID), nil); res.status != http.StatusNotFound {
		t.Fatalf("a screen link for a Keystrokes flag: %d %s", res.status, res.body)
	}

	// The link plays the stored recording from the flag's moment.
	res = apiWith(t, srv, token, "GET", screenPath, nil)
	var got struct{ URL string }
	if res.status != 200 || json.Unmarshal(res.data, &got) != nil || !strings.HasPrefix(got.URL, fmt.Sprintf("/evidence/screen/%d/%d?", sess.ID, apps.ID)) ||
		!strings.HasSuffix(got.URL, "#t=2.0") {
		t.Fatalf("the screen link: %d %s", res.status, res.body)
	}
	signed, _, _ := strings.Cut(got.URL, "#")
	whole := storedScreen(t, srv, sess.ID)
	for _, rg := range [][2]int{{0, 1023}, {len(whole) / 2, len(whole)/2 + 4095}} {
		status, hdr, body := rangeGet(t, srv.URL+signed, rg)
		if status != http.StatusPartialContent || hdr.Get("Content-Type") != "video/webm" || !strings.Contains(hdr.Get("Cache-Control"), "no-store") ||
			!bytes.Equal(body, whole[rg[0]:rg[1]+1]) {
			t.Fatalf("range %v of the link: %d %q %q, %d bytes", rg, status, hdr.Get("Content-Type"), hdr.Get("Cache-Control"), len(body))
		}
	}
	if !bytes.HasPrefix(whole, []byte{0x1A, 0x45, 0xDF, 0xA3}) {
		t.Fatal("the stored screen recording does not start with a WebM header")
	}

	// Changed links are refused, with words.
	for name, u := range map[string]string{
		"signature": signed[:len(signed)-2] + "xx",
		"violation": strings.Replace(signed, fmt.Sprintf("/%d?", apps.ID), fmt.Sprintf("/%d?", identity.ID), 1),
		"expiry":    strings.Replace(signed, "e=", "e=9", 1),
		"unsigned":  signed[:strings.Index(signed, "?")]} {
		if status, _, body := rangeGet(t, srv.URL+u, [2]int{0, 99}); status != http.StatusForbidden || !strings.Contains(string(body), "not valid") {
			t.Errorf("a link with its %s changed: %d %.200s", name, status, body)
		}
	}

	// The photos of the Different Person flag, with other faces hidden.
	for _, id := range identity.PhotoIDs {
		res := apiWith(t, srv, token, "GET", photoPath(identity, id), nil)
		if res.status != 200 {
			t.Fatalf("photo %d: %d %s", id, res.status, res.body)
		}
		if _, err := jpeg.Decode(bytes.NewReader(res.data)); err != nil {
			t.Fatalf("photo %d is not a JPEG: %v", id, err)
		}
	}
	if res := apiWith(t, srv, token, "GET", photoPath(apps, identity.PhotoIDs[0]), nil); res.status != http.StatusNotFound {
		t.Fatalf("a photo through a flag it is not evidence of: %d", res.status)
	}

	// One audit entry for the link, however many reads; one per photo.
	entries, err := srv.Store.ListAudit(ctx, store.AuditFilter{Subject: fmt.Sprintf("session:%d", sess.ID), Action: proctor.AuditStudentMediaView})
	must(t, err)
	seen := map[string]int{}
	for _, e := range entries {
		seen[e.Detail]++
	}
	want := map[string]int{fmt.Sprintf("screen of violation %d", apps.ID): 1}
	for _, id := range identity.PhotoIDs {
		want[fmt.Sprintf("identity photo %d of violation %d", id, identity.ID)] = 1
	}
	for detail, n := range want {
		if seen[detail] != n {
			t.Errorf("audit %q: %d entries, want %d (all: %v)", detail, seen[detail], n, seen)
		}
	}

	// After 15 minutes the link is gone.
	srv.Advance(16 * time.Minute)
	if status, _, body := rangeGet(t, srv.URL+signed, [2]int{0, 99}); status != http.StatusGone || !strings.Contains(string(body), "expired") {
		t.Fatalf("an expired link: %d %.200s", status, body)
	}
}

// storedScreen is a session's stored screen chunks, joined.
func storedScreen(t *testing.T, srv *testserver.Server, sessionID int64) []byte {
	t.Helper()
	chunks, err := srv.Store.ListChunks(context.Background(), sessionID, proctor.StreamScreen)
	must(t, err)
	var whole []byte
	for _, c := range chunks {
		o, err := blob.OpenPart(context.Background(), srv.Blobs, c.BlobKey, c.Offset, c.Size)
		must(t, err)
		b, err := io.ReadAll(o)
		o.Close()
		must(t, err)
		whole = append(whole, b...)
	}
	if len(chunks) < 2 {
		t.Fatalf("%d screen chunks, want several", len(chunks))
	}
	return whole
}

// rangeGet asks for bytes rg[0] to rg[1] of u, with no cookie or token.
func rangeGet(t *testing.T, u string, rg [2]int) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	must(t, err)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", rg[0], rg[1]))
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, body
}
