package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/testserver"
)

// sseReader reads a Server-Sent Events stream message by message.
type sseReader struct {
	t   *testing.T
	res *http.Response
	sc  *bufio.Scanner
}

func openStream(t *testing.T, c *http.Client, u string) *sseReader {
	t.Helper()
	// A stream that never brings what a test waits for ends, and the test
	// with it, rather than hanging the run.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return &sseReader{t: t, res: res, sc: bufio.NewScanner(res.Body)}
}

// next returns the next message's event name and data (comments and the
// retry line skipped). The server's batch interval bounds the wait; the
// test's own deadline ends a stream that never sends.
func (r *sseReader) next() (string, string) {
	r.t.Helper()
	var event, data string
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "" && event != "":
			return event, data
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
	r.t.Fatalf("the stream ended: %v", r.sc.Err())
	return "", ""
}

// until reads messages until one named event, returning its data.
func (r *sseReader) until(event string) string {
	r.t.Helper()
	for {
		if e, d := r.next(); e == event {
			return d
		}
	}
}

// TestLiveStream: an instructor's stream of a running exam gets a new
// session's card, its stills and a flag from an uploaded event batch, and
// the page opened afterwards shows them from the store.
func TestLiveStream(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 2, nil)
	api := client{t: t, base: srv.URL}
	c, _ := srv.SignIn(t, &f.Instructor)
	if status, body := get(t, c, fmt.Sprintf("%s/exams/%d/live", srv.URL, f.Exam.ID)); status != 200 ||
		!strings.Contains(body, "No session of this exam is taking uploads now") {
		t.Fatalf("empty live page: %d\n%s", status, body)
	}
	stream := openStream(t, c, fmt.Sprintf("%s/exams/%d/live/events?known=", srv.URL, f.Exam.ID))
	s := start(t, api, srv.Link(t, f, 0))
	if r := api.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/0", s.id), s.token, "image/jpeg", at(0), jpegFile(t, "webcam320/obama_480p.jpg")); r.status != 200 {
		t.Fatalf("frame: %d %s", r.status, r.raw)
	}
	var card struct {
		Session int64  `json:"session"`
		Name    string `json:"name"`
		Frame   int64  `json:"frame"`
	}
	json.Unmarshal([]byte(stream.until("session")), &card)
	if card.Session != s.id || card.Name != f.Students[0].FullName() || card.Frame != 0 {
		t.Fatalf("card %+v", card)
	}
	var frame struct {
		Session, Seq int64
	}
	json.Unmarshal([]byte(stream.until("frame")), &frame)
	if frame.Session != s.id || frame.Seq != 0 {
		t.Fatalf("frame event %+v", frame)
	}
	batch := fmt.Sprintf(`{"events":[{"kind":"visibility_hidden","at":%q}]}`, time.Now().UTC().Format(time.RFC3339Nano))
	if r := api.do("PUT", events0(s.id), s.token, "application/json", nil, []byte(batch)); r.status != 200 {
		t.Fatalf("events: %d %s", r.status, r.raw)
	}
	var flag struct {
		Session int64
		Flag    struct{ Type, Label, Text string }
	}
	json.Unmarshal([]byte(stream.until("flag")), &flag)
	if flag.Session != s.id || flag.Flag.Type != "online_aid" || !strings.Contains(flag.Flag.Text, "hidden") {
		t.Fatalf("flag event %+v", flag)
	}
	// The page opened now lists the session with its still and the flag.
	_, body := get(t, c, fmt.Sprintf("%s/exams/%d/live", srv.URL, f.Exam.ID))
	for _, want := range []string{fmt.Sprintf(`id="live-%d"`, s.id), fmt.Sprintf(`/media/sessions/%d/frames/0`, s.id),
		"Connection: Online", "<strong>Online Aid</strong>: the exam page was hidden", fmt.Sprintf("known=%d", s.id)} {
		if !strings.Contains(body, want) {
			t.Errorf("live page lacks %q", want)
		}
	}
}

// TestLiveAnalysisFlags: what the analysis of the webcam finds reaches the
// live stream as it is found, once per change of view: the student leaves
// the camera (Left Session), then a second person sits in (Multiple
// People).
func TestLiveAnalysisFlags(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	api := client{t: t, base: srv.URL}
	c, _ := srv.SignIn(t, &f.Instructor)
	stream := openStream(t, c, fmt.Sprintf("%s/exams/%d/live/events?known=", srv.URL, f.Exam.ID))
	s := start(t, api, srv.Link(t, f, 0))
	for i, still := range []string{"webcam320/obama_480p.jpg", "webcam320/desk_empty_320.jpg", "webcam320/desk_empty_320.jpg", "webcam320/two_people.jpg"} {
		if r := api.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/%d", s.id, i), s.token, "image/jpeg", at(time.Duration(i)*time.Second), jpegFile(t, still)); r.status != 200 {
			t.Fatalf("frame %d: %d %s", i, r.status, r.raw)
		}
	}
	var got []string
	for _, want := range []string{"left_session", "multiple_people"} {
		var flag struct {
			Session int64
			Flag    struct{ Type, Label, Text string }
		}
		json.Unmarshal([]byte(stream.until("flag")), &flag)
		if flag.Session != s.id || flag.Flag.Type != want || flag.Flag.Text == "" {
			t.Fatalf("flag %d: %+v, want %s (flags so far %v)", len(got), flag, want, got)
		}
		got = append(got, flag.Flag.Type)
	}
}
