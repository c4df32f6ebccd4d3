package ingest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	imagejpeg "image/jpeg"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
)

// TestCaptureTimeBounds: a capture time is required, and must lie from a
// minute before the client's start to five minutes into the server's
// future, and within the resume window from the client's start.
func TestCaptureTimeBounds(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	frame := jpegOf(t, 'a')
	for _, c := range []struct {
		name        string
		clientStart time.Duration // the client's start, from t0
		now         time.Duration // the server's clock, from t0
		at          time.Time
		wantCode    proctor.Code
	}{
		{"missing", 0, time.Minute, time.Time{}, proctor.CodeBadTimestamp},
		{"at the start", 0, time.Minute, t0, ""},
		{"a client clock half a minute behind", 0, time.Minute, t0.Add(-30 * time.Second), ""},
		{"a minute before the start, exactly", 0, time.Minute, t0.Add(-time.Minute), ""},
		{"just over a minute before the start", 0, time.Minute, t0.Add(-time.Minute - time.Millisecond), proctor.CodeBadTimestamp},
		{"five minutes into the server's future, exactly", 0, time.Minute, t0.Add(6 * time.Minute), ""},
		{"just over five minutes into the server's future", 0, time.Minute, t0.Add(6*time.Minute + time.Millisecond), proctor.CodeBadTimestamp},
		{"the last moment of the resume window", -time.Hour, 71 * time.Hour, t0.Add(-time.Hour + proctor.ResumeWindow), ""},
		{"past the resume window", -time.Hour, 71 * time.Hour, t0.Add(-time.Hour + proctor.ResumeWindow + time.Millisecond), proctor.CodeBadTimestamp},
	} {
		t.Run(c.name, func(t *testing.T) {
			w.at(t, t0.Add(c.now))
			sess := w.sessionStarted(t, t0.Add(c.clientStart))
			if _, err := w.svc.PutFrame(context.Background(), sess, 0, c.at, frame); codeOf(err) != c.wantCode {
				t.Errorf("%v, want code %q", err, c.wantCode)
			}
		})
	}
}

// TestFrameRules: a frame must be a JPEG of 16 to 4096 pixels a side; it
// is stored with its size and dimensions.
func TestFrameRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	tiny := smallJPEG(t, analysis.MinImageSide-1)
	for _, c := range []struct {
		name     string
		data     []byte
		wantCode proctor.Code
		wantW    int
	}{
		{"a webcam JPEG", jpegOf(t, 'a'), "", 320},
		{"the smallest JPEG", smallJPEG(t, analysis.MinImageSide), "", analysis.MinImageSide},
		{"a JPEG too small to see anything", tiny, proctor.CodeNotJPEG, 0},
		{"a PNG", []byte("\x89PNG\r\n\x1a\n"), proctor.CodeNotJPEG, 0},
		{"a JPEG cut short", jpegOf(t, 'a')[:40], proctor.CodeNotJPEG, 0},
		{"nothing", nil, proctor.CodeNotJPEG, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			_, err := w.svc.PutFrame(context.Background(), sess, 0, t0, c.data)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			f, ferr := w.st.GetFrame(context.Background(), sess.ID, 0)
			keptIfAccepted(t, err, f, ferr, func(f *proctor.Frame) bool { return f.Width == c.wantW && f.Size == int64(len(c.data)) },
				"width %d and %d bytes", c.wantW, len(c.data))
		})
	}
}

// keptIfAccepted checks what an upload left: nothing when it was refused
// (err), else the row read back (row, or getErr), as described says.
func keptIfAccepted[T any](t *testing.T, err error, row T, getErr error, described func(T) bool, want string, args ...any) {
	t.Helper()
	switch {
	case err != nil && getErr == nil:
		t.Errorf("refused (%v), yet stored: %+v", err, row)
	case err == nil && getErr != nil:
		t.Errorf("accepted, yet not stored: %v", getErr)
	case err == nil && !described(row):
		t.Errorf("stored %+v; want "+want, append([]any{row}, args...)...)
	}
}

// smallJPEG is a grey square JPEG side pixels wide.
func smallJPEG(t *testing.T, side int) []byte {
	t.Helper()
	var b bytes.Buffer
	must(t, imagejpeg.Encode(&b, image.NewGray(image.Rect(0, 0, side, side)), nil))
	return b.Bytes()
}

// TestChunkRules: a video chunk belongs to the webcam or the screen
// stream, lasts 0 to 10 minutes, is not empty, and the first of a stream
// starts with a WebM header; a later chunk with a header (a recorder
// started again after a reload) opens a new segment.
func TestChunkRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	webm := func(rest string) []byte { return append(bytes.Clone(webmMagic), rest...) }
	for _, c := range []struct {
		name      string
		before    int // webcam chunks stored first
		in        ChunkInput
		wantCode  proctor.Code
		wantOpens bool
	}{
		{"the first chunk, with its header", 0, ChunkInput{Stream: proctor.StreamWebcam, DurationMS: 10000, Data: webm("x")}, "", true},
		{"a screen chunk", 0, ChunkInput{Stream: proctor.StreamScreen, DurationMS: 10000, Data: webm("x")}, "", true},
		{"an unknown stream", 0, ChunkInput{Stream: "microphone", DurationMS: 10000, Data: webm("x")}, proctor.CodeInvalid, false},
		{"no stream", 0, ChunkInput{DurationMS: 10000, Data: webm("x")}, proctor.CodeInvalid, false},
		{"ten minutes exactly", 0, ChunkInput{Stream: proctor.StreamWebcam, DurationMS: 600000, Data: webm("x")}, "", true},
		{"longer than ten minutes", 0, ChunkInput{Stream: proctor.StreamWebcam, DurationMS: 600001, Data: webm("x")}, proctor.CodeInvalid, false},
		{"no length", 0, ChunkInput{Stream: proctor.StreamWebcam, DurationMS: 0, Data: webm("x")}, "", true},
		{"a negative length", 0, ChunkInput{Stream: proctor.StreamWebcam, DurationMS: -1, Data: webm("x")}, proctor.CodeInvalid, false},
		{"an empty first chunk", 0, ChunkInput{Stream: proctor.StreamWebcam, DurationMS: 10000}, proctor.CodeNotWebM, false},
		{"an empty later chunk", 1, ChunkInput{Stream: proctor.StreamWebcam, Seq: 1, DurationMS: 10000}, proctor.CodeNotWebM, false},
		{"a first chunk without a header", 0, ChunkInput{Stream: proctor.StreamWebcam, DurationMS: 10000, Data: []byte("cluster")}, proctor.CodeNotWebM, false},
		{"a later chunk continues the file", 1, ChunkInput{Stream: proctor.StreamWebcam, Seq: 1, DurationMS: 10000, Data: []byte("cluster")}, "", false},
		{"a later chunk with a header opens a segment", 1, ChunkInput{Stream: proctor.StreamWebcam, Seq: 1, DurationMS: 10000, Data: webm("y")}, "", true},
		{"the screen's first chunk needs its own header", 1, ChunkInput{Stream: proctor.StreamScreen, DurationMS: 10000, Data: []byte("cluster")}, proctor.CodeNotWebM, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			storeFirst(t, w, uploadNamed("webcam chunk"), sess, c.before)
			c.in.StartedAt = t0.Add(time.Duration(c.in.Seq) * time.Second)
			_, err := w.svc.PutChunk(context.Background(), sess, c.in)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			got, cerr := w.st.GetChunk(context.Background(), sess.ID, c.in.Stream, c.in.Seq)
			keptIfAccepted(t, err, got, cerr, func(got *proctor.VideoChunk) bool {
				return got.OpensSegment == c.wantOpens && got.DurationMS == c.in.DurationMS
			}, "opens a segment: %v", c.wantOpens)
		})
	}
}

// TestAudioRules: audio is μ-law at 8 kHz (audio/basic) or mono 16-bit PCM
// (audio/L16 with its rate); it must decode, and last at most two minutes
// by the server's count of its samples, which is the length stored.
func TestAudioRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	second := bytes.Repeat([]byte{0xFF}, 8000) // μ-law silence, 8 kHz
	for _, c := range []struct {
		name       string
		typ        string
		data       []byte
		wantCode   proctor.Code
		wantMS     int64
		wantFormat string
	}{
		{"a second of audio/basic", "audio/basic", second, "", 1000, "audio/basic"},
		{"a second of L16 at 16 kHz", "audio/L16;rate=16000", make([]byte, 32000), "", 1000, "audio/l16; rate=16000"},
		{"L16 said to be mono", "audio/L16; rate=8000; channels=1", make([]byte, 16000), "", 1000, "audio/l16; channels=1; rate=8000"},
		{"two minutes exactly", "audio/basic", bytes.Repeat(second, 120), "", 120000, "audio/basic"},
		{"a sample over two minutes", "audio/basic", append(bytes.Repeat(second, 120), 0xFF), proctor.CodeTooLarge, 0, ""},
		{"a compressed format", "audio/ogg", second, proctor.CodeUnsupportedMedia, 0, ""},
		{"no content type", "", second, proctor.CodeUnsupportedMedia, 0, ""},
		{"stereo", "audio/L16;rate=16000;channels=2", make([]byte, 64000), proctor.CodeUnsupportedMedia, 0, ""},
		{"L16 without its rate", "audio/L16", make([]byte, 32000), proctor.CodeUnsupportedMedia, 0, ""},
		{"L16 at a rate no microphone has", "audio/L16;rate=4000", make([]byte, 8000), proctor.CodeUnsupportedMedia, 0, ""},
		{"L16 cut inside a sample", "audio/L16;rate=16000", make([]byte, 32001), proctor.CodeUnsupportedMedia, 0, ""},
		{"audio/basic at another rate", "audio/basic;rate=16000", second, proctor.CodeUnsupportedMedia, 0, ""},
		{"nothing", "audio/basic", nil, proctor.CodeUnsupportedMedia, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			_, err := w.svc.PutAudio(context.Background(), sess, AudioInput{StartedAt: t0, ContentType: c.typ, Data: c.data})
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			a, aerr := w.st.GetAudio(context.Background(), sess.ID, 0)
			keptIfAccepted(t, err, a, aerr, func(a *proctor.AudioChunk) bool { return a.DurationMS == c.wantMS && a.Format == c.wantFormat },
				"%d ms as %q", c.wantMS, c.wantFormat)
		})
	}
}

// TestEventBatchRules: an event batch is a JSON object {"events": [...]}
// of at most MaxBatchEvents valid events; a companion sends only its own
// kinds, under its own source; events at impossible times are left out
// and named while the rest is stored; a retry is recognised however it is
// encoded; each source numbers its batches apart.
func TestEventBatchRules(t *testing.T) {
	limits := DefaultLimits()
	limits.MaxBatchEvents = 3
	w := newWorld(t, limits)
	ctx := context.Background()
	ev := func(kind string, sec int) string {
		return fmt.Sprintf(`{"kind":%q,"at":%q}`, kind, t0.Add(time.Duration(sec)*time.Second).Format(time.RFC3339))
	}
	batch := func(events ...string) string { return `{"events":[` + strings.Join(events, ",") + `]}` }
	lost := ev("focus_lost", 1)
	type sent struct {
		source string
		body   string
	}
	for _, c := range []struct {
		name         string
		before       []sent // batches stored first, numbered from 0 per source
		source       string
		n            int64
		body         string
		wantCode     proctor.Code
		wantDup      bool
		wantStored   int   // the ack's count
		wantRejected []int // the ack's rejected indexes
		wantSources  []string
	}{
		{"the limit exactly", nil, proctor.SourceBrowser, 0, batch(lost, lost, lost), "", false, 3, nil, []string{"browser"}},
		{"one past the limit", nil, proctor.SourceBrowser, 0, batch(lost, lost, lost, lost), proctor.CodeTooLarge, false, 0, nil, nil},
		{"an empty batch", nil, proctor.SourceBrowser, 0, batch(), "", false, 0, nil, nil},
		{"no events array", nil, proctor.SourceBrowser, 0, `{}`, proctor.CodeMalformedJSON, false, 0, nil, nil},
		{"a null events array", nil, proctor.SourceBrowser, 0, `{"events":null}`, proctor.CodeMalformedJSON, false, 0, nil, nil},
		{"an unknown field", nil, proctor.SourceBrowser, 0, `{"events":[],"extra":1}`, proctor.CodeMalformedJSON, false, 0, nil, nil},
		{"data after the object", nil, proctor.SourceBrowser, 0, batch(lost) + `{}`, proctor.CodeMalformedJSON, false, 0, nil, nil},
		{"not JSON", nil, proctor.SourceBrowser, 0, `events`, proctor.CodeMalformedJSON, false, 0, nil, nil},
		{"an unknown kind", nil, proctor.SourceBrowser, 0, batch(ev("teleport", 1)), proctor.CodeInvalid, false, 0, nil, nil},
		{"an event without a time", nil, proctor.SourceBrowser, 0, batch(`{"kind":"focus_lost"}`), proctor.CodeInvalid, false, 0, nil, nil},
		{"events at impossible times are left out and named", nil, proctor.SourceBrowser, 0,
			batch(lost, ev("focus_gained", -3600), ev("paste", 3600)), "", false, 1, []int{1, 2}, []string{"browser"}},
		{"a batch of impossible times only is stored empty", nil, proctor.SourceBrowser, 0,
			batch(ev("focus_gained", -3600)), "", false, 0, []int{0}, nil},
		{"a retry encoded differently is acknowledged again", []sent{{proctor.SourceBrowser, batch(lost)}}, proctor.SourceBrowser, 0,
			`{ "events" : [ { "at": "2026-11-20T09:00:01Z", "kind": "focus_lost" } ] }`, "", true, 0, nil, []string{"browser"}},
		{"the proctoring window may send an agent's kind", nil, proctor.SourceBrowser, 0, batch(ev("screens", 1)), "", false, 1, nil, []string{"browser"}},
		{"the agent reports its screens", nil, proctor.SourceAgent, 0, batch(ev("screens", 1)), "", false, 1, nil, []string{"agent"}},
		{"the agent's heartbeat counts it as heard from", nil, proctor.SourceAgent, 0, batch(), "", false, 0, nil, []string{"agent"}},
		{"the agent sends a kind the extension reports", nil, proctor.SourceAgent, 0, batch(`{"kind":"navigate","url":"https://chat.example.com/","at":"2026-11-20T09:00:01Z"}`), proctor.CodeInvalid, false, 0, nil, nil},
		{"the agent claims the extension's source", nil, proctor.SourceAgent, 0, batch(`{"kind":"screens","at":"2026-11-20T09:00:01Z","source":"extension"}`),
			proctor.CodeInvalid, false, 0, nil, nil},
		{"the extension reports a paste", nil, proctor.SourceExtension, 0, batch(ev("paste", 1)), "", false, 1, nil, []string{"extension"}},
		{"the extension sends a kind the proctoring window reports", nil, proctor.SourceExtension, 0, batch(lost), proctor.CodeInvalid, false, 0, nil, nil},
		{"each source numbers its batches from 0", []sent{{proctor.SourceBrowser, batch(lost)}, {proctor.SourceBrowser, batch(ev("focus_gained", 2))}},
			proctor.SourceAgent, 0, batch(ev("screens", 3)), "", false, 1, nil, []string{"agent", "browser"}},
		{"the agent's batch 1 before its 0 is a gap, whatever the window sent", []sent{{proctor.SourceBrowser, batch(lost)}}, proctor.SourceAgent, 1, batch(ev("screens", 3)),
			proctor.CodeSequenceGap, false, 0, nil, []string{"browser"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			next := map[string]int64{}
			for _, b := range c.before {
				_, err := w.svc.PutEvents(ctx, sess, b.source, next[b.source], []byte(b.body))
				must(t, err)
				next[b.source]++
			}
			ack, err := w.svc.PutEvents(ctx, sess, c.source, c.n, []byte(c.body))
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			var rejected []int
			for _, r := range ack.Rejected {
				rejected = append(rejected, r.Index)
			}
			if err == nil && (ack.Duplicate != c.wantDup || ack.Stored != c.wantStored || !slices.Equal(rejected, c.wantRejected)) {
				t.Errorf("ack %+v, want duplicate %v, %d stored, %v rejected", ack, c.wantDup, c.wantStored, c.wantRejected)
			}
			sources := w.reload(t, sess).Sources
			slices.Sort(sources)
			if !slices.Equal(sources, c.wantSources) {
				t.Errorf("the session heard from %v, want %v", sources, c.wantSources)
			}
			if len(c.before) > 0 {
				return
			}
			events, lerr := w.st.ListEvents(ctx, sess.ID)
			must(t, lerr)
			for _, e := range events {
				if e.Source != c.source {
					t.Errorf("%s event stored with source %q, want %q", e.Kind, e.Source, c.source)
				}
			}
		})
	}
}

// TestPhotoRules: a photo is an attempt 1..MaxAttempt of a purpose
// (onboarding, verification) and a kind (face, id, room), numbered per
// purpose and kind; it must be a JPEG, and every attempt is stored with
// its check's result, failed ones included.
func TestPhotoRules(t *testing.T) {
	limits := DefaultLimits()
	limits.MaxAttempt = 3
	w := newWorld(t, limits)
	room := func(attempt int) PhotoInput {
		return PhotoInput{Purpose: proctor.PurposeVerification, Kind: proctor.PhotoRoom, Attempt: attempt, CapturedAt: t0, Data: jpegOf(t, 'b')}
	}
	with := func(in PhotoInput, f func(*PhotoInput)) PhotoInput { f(&in); return in }
	for _, c := range []struct {
		name       string
		before     int // room scans stored first
		in         PhotoInput
		wantCode   proctor.Code
		wantPassed bool
		wantReason string
	}{
		{"a room scan", 0, room(1), "", true, "room photo received"},
		{"the last attempt allowed", 2, room(3), "", true, "room photo received"},
		{"an attempt past the limit", 3, room(4), proctor.CodeInvalid, false, ""},
		{"attempt 0", 0, room(0), proctor.CodeInvalid, false, ""},
		{"an unknown purpose", 0, with(room(1), func(in *PhotoInput) { in.Purpose = "selfie" }), proctor.CodeInvalid, false, ""},
		{"an unknown kind", 0, with(room(1), func(in *PhotoInput) { in.Kind = "passport" }), proctor.CodeInvalid, false, ""},
		{"not a JPEG", 0, with(room(1), func(in *PhotoInput) { in.Data = []byte("GIF89a") }), proctor.CodeNotJPEG, false, ""},
		{"no capture time", 0, with(room(1), func(in *PhotoInput) { in.CapturedAt = time.Time{} }), proctor.CodeBadTimestamp, false, ""},
		{"a face photo without a face is kept as failed", 0, with(room(1), func(in *PhotoInput) { in.Kind = proctor.PhotoFace }),
			"", false, "no face found: look straight at the camera with your whole face in the frame"},
		{"each kind numbers its attempts from 1", 2, with(room(1), func(in *PhotoInput) { in.Kind = proctor.PhotoID }),
			"", false, "no face found on the ID: hold the photo side of the ID close to the camera"},
		{"each purpose numbers its attempts from 1", 2, with(room(1), func(in *PhotoInput) { in.Purpose = proctor.PurposeOnboarding }),
			"", true, "room photo received"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			storeFirst(t, w, uploadNamed("photo attempt"), sess, c.before) // room scans
			ack, err := w.svc.PutPhoto(context.Background(), sess, c.in)
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			p, perr := w.st.GetPhoto(context.Background(), sess.ID, c.in.Purpose, c.in.Kind, c.in.Attempt)
			keptIfAccepted(t, err, p, perr, func(p *proctor.Photo) bool {
				return p.Passed == c.wantPassed && p.Reason == c.wantReason && ack.Passed == c.wantPassed && ack.Reason == c.wantReason &&
					ack.NextAttempt == c.in.Attempt+1
			}, "passed %v, reason %q (ack %+v)", c.wantPassed, c.wantReason, ack)
		})
	}
}
