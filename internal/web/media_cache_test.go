package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// TestStudentMediaNotStored: frames, photos and video are sent with
// Cache-Control no-store, so no browser or proxy cache keeps a copy of a
// student's face after the reviewer leaves.
func TestStudentMediaNotStored(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	face := jpegFile(t, "webcam320/obama_480p.jpg")
	uploads := map[string]string{
		fmt.Sprintf("/api/v1/sessions/%d/frames/0", s.id):                 "image/jpeg",
		fmt.Sprintf("/api/v1/sessions/%d/photos/onboarding/face/1", s.id): "image/jpeg",
		fmt.Sprintf("/api/v1/sessions/%d/chunks/webcam/0", s.id):          "video/webm",
	}
	for path, ctype := range uploads {
		body := face
		if ctype == "video/webm" {
			body = webm()
		}
		hdr := at(0)
		hdr["X-Duration-Ms"] = "10000"
		if r := c.do("PUT", path, s.token, ctype, hdr, body); r.status != 200 && r.status != 201 {
			t.Fatalf("%s: %d %s", path, r.status, r.raw)
		}
	}
	photos, err := srv.Store.ListPhotos(context.Background(), s.id, proctor.PurposeOnboarding)
	if err != nil || len(photos) != 1 {
		t.Fatalf("photos %v (%v)", photos, err)
	}
	hc, _ := srv.SignIn(t, &f.Instructor)
	for _, path := range []string{fmt.Sprintf("/media/sessions/%d/frames/0", s.id), fmt.Sprintf("/media/photos/%d", photos[0].ID),
		fmt.Sprintf("/media/sessions/%d/video/webcam.webm", s.id)} {
		res, err := hc.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if cc := res.Header.Get("Cache-Control"); res.StatusCode != http.StatusOK || !strings.Contains(cc, "no-store") || strings.Contains(cc, "max-age") {
			t.Errorf("%s: %d, Cache-Control %q; want no-store", path, res.StatusCode, cc)
		}
	}
}
