package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
)

// numbered is one kind of numbered upload, so that one table states a rule
// for all of them: put sends number n with content 'a' or 'b' (two
// different payloads of that kind), stored counts what the session holds.
type numbered struct {
	name   string
	first  int64 // the first number: photo attempts count from 1
	put    func(t *testing.T, w *world, sess *proctor.Session, n int64, content byte) (Ack, error)
	stored func(t *testing.T, w *world, sess *proctor.Session) int
}

func numberedUploads() []numbered {
	chunk := func(stream string) numbered {
		return numbered{name: stream + " chunk",
			put: func(t *testing.T, w *world, sess *proctor.Session, n int64, content byte) (Ack, error) {
				return w.svc.PutChunk(context.Background(), sess, ChunkInput{Stream: stream, Seq: n, StartedAt: t0.Add(time.Duration(n) * time.Second),
					DurationMS: 1000, Data: append(bytes.Clone(webmMagic), content)})
			},
			stored: func(t *testing.T, w *world, sess *proctor.Session) int {
				cs, err := w.st.ListChunks(context.Background(), sess.ID, stream)
				must(t, err)
				return len(cs)
			}}
	}
	return []numbered{
		{name: "frame",
			put: func(t *testing.T, w *world, sess *proctor.Session, n int64, content byte) (Ack, error) {
				return w.svc.PutFrame(context.Background(), sess, n, t0.Add(time.Duration(n)*time.Second), jpegOf(t, content))
			},
			stored: func(t *testing.T, w *world, sess *proctor.Session) int {
				fs, err := w.st.ListFrames(context.Background(), sess.ID, 0, 100)
				must(t, err)
				return len(fs)
			}},
		chunk(proctor.StreamWebcam),
		chunk(proctor.StreamScreen),
		{name: "audio chunk",
			put: func(t *testing.T, w *world, sess *proctor.Session, n int64, content byte) (Ack, error) {
				return w.svc.PutAudio(context.Background(), sess, AudioInput{Seq: n, StartedAt: t0.Add(time.Duration(n) * time.Second),
					ContentType: "audio/basic", Data: bytes.Repeat([]byte{content}, 8000)})
			},
			stored: func(t *testing.T, w *world, sess *proctor.Session) int {
				n := 0
				for seq := range int64(10) {
					if _, err := w.st.GetAudio(context.Background(), sess.ID, seq); err == nil {
						n++
					}
				}
				return n
			}},
		{name: "event batch",
			put: func(t *testing.T, w *world, sess *proctor.Session, n int64, content byte) (Ack, error) {
				kind := map[byte]string{'a': "focus_lost", 'b': "focus_gained"}[content]
				ack, err := w.svc.PutEvents(context.Background(), sess, proctor.SourceBrowser, n, eventBody(kind, t0.Add(time.Duration(n)*time.Second)))
				return ack.Ack, err
			},
			stored: func(t *testing.T, w *world, sess *proctor.Session) int {
				es, err := w.st.ListEvents(context.Background(), sess.ID)
				must(t, err)
				return len(es)
			}},
		{name: "photo attempt", first: 1,
			put: func(t *testing.T, w *world, sess *proctor.Session, n int64, content byte) (Ack, error) {
				ack, err := w.svc.PutPhoto(context.Background(), sess, PhotoInput{Purpose: proctor.PurposeVerification, Kind: proctor.PhotoRoom,
					Attempt: int(n), CapturedAt: t0.Add(time.Duration(n) * time.Second), Data: jpegOf(t, content)})
				return Ack{Seq: int64(ack.Attempt), Next: int64(ack.NextAttempt), Duplicate: ack.Duplicate}, err
			},
			stored: func(t *testing.T, w *world, sess *proctor.Session) int {
				ps, err := w.st.ListPhotos(context.Background(), sess.ID, proctor.PurposeVerification)
				must(t, err)
				return len(ps)
			}},
	}
}

// uploadNamed is the numbered upload of that name.
func uploadNamed(name string) numbered {
	for _, u := range numberedUploads() {
		if u.name == name {
			return u
		}
	}
	panic("no numbered upload " + name)
}

// jpegOf is one of two different webcam pictures.
func jpegOf(t *testing.T, content byte) []byte {
	return jpeg(t, map[byte]string{'a': "biden_headshoulders.jpg", 'b': "desk_empty_320.jpg"}[content])
}

// eventBody is an event batch of one event.
func eventBody(kind string, at time.Time) []byte {
	return fmt.Appendf(nil, `{"events":[{"kind":%q,"at":%q}]}`, kind, at.Format(time.RFC3339Nano))
}

// storeFirst stores uploads first .. first+n-1 of u with content 'a'.
func storeFirst(t *testing.T, w *world, u numbered, sess *proctor.Session, n int) {
	t.Helper()
	for i := range n {
		if _, err := u.put(t, w, sess, u.first+int64(i), 'a'); err != nil {
			t.Fatalf("%s %d: %v", u.name, u.first+int64(i), err)
		}
	}
}

// nextIn is the "next" an error tells the client (-1 when it tells none).
func nextIn(err error) int64 {
	var pe *proctor.Error
	if errors.As(err, &pe) {
		if n, ok := pe.Detail["next"].(int64); ok {
			return n
		}
	}
	return -1
}

// TestUploadSequenceRules: every numbered upload (frames, the two video
// streams, audio, the proctoring window's event batches, photo attempts)
// is stored in order, once: a retry of an acknowledged upload is
// acknowledged again without storing anything; the same number with other
// content, a number that skips ahead and one below the first are refused,
// the first two telling the client which number comes next.
func TestUploadSequenceRules(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	const none = -1
	for _, c := range []struct {
		name       string
		before     int   // uploads stored first, numbered from the first, content 'a'
		n          int64 // the number sent, counted from the first
		content    byte
		wantCode   proctor.Code
		wantDup    bool
		wantNext   int64 // told with the refusal, counted from the first
		wantStored int
	}{
		{"the first is stored", 0, 0, 'a', "", false, none, 1},
		{"the next in order is stored", 2, 2, 'b', "", false, none, 3},
		{"a retry of the latest is acknowledged again and stored once", 2, 1, 'a', "", true, none, 2},
		{"a retry of an older one is acknowledged again and stored once", 2, 0, 'a', "", true, none, 2},
		{"an acknowledged number with other content is a conflict", 2, 1, 'b', proctor.CodeSequenceConflict, false, 2, 2},
		{"one ahead of the next is a gap", 2, 3, 'a', proctor.CodeSequenceGap, false, 2, 2},
		{"anything before the first is a gap", 0, 1, 'a', proctor.CodeSequenceGap, false, 0, 0},
		{"a number below the first is invalid", 1, -1, 'a', proctor.CodeInvalid, false, none, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, u := range numberedUploads() {
				t.Run(u.name, func(t *testing.T) {
					sess := w.newSession(t)
					storeFirst(t, w, u, sess, c.before)
					ack, err := u.put(t, w, sess, u.first+c.n, c.content)
					if codeOf(err) != c.wantCode {
						t.Fatalf("%s %d: %v, want code %q", u.name, u.first+c.n, err, c.wantCode)
					}
					if next := nextIn(err); c.wantNext != none && next != u.first+c.wantNext || c.wantNext == none && next != none {
						t.Errorf("the refusal tells next %d, want %d", next, u.first+c.wantNext)
					}
					if err == nil && (ack.Duplicate != c.wantDup || ack.Seq != u.first+c.n || ack.Next != u.first+c.n+1) {
						t.Errorf("ack %+v, want seq %d next %d duplicate %v", ack, u.first+c.n, u.first+c.n+1, c.wantDup)
					}
					if n := u.stored(t, w, sess); n != c.wantStored {
						t.Errorf("%d stored, want %d", n, c.wantStored)
					}
				})
			}
		})
	}
}

// TestClosedSessionsTakeOnlyRetries: once a session is finished, analysed,
// expired or past its resume window, a retry of an upload it acknowledged
// is still acknowledged (the client lost the answer), and a new upload is
// refused as session_closed; nothing more is stored.
func TestClosedSessionsTakeOnlyRetries(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		path  []proctor.SessionState // states after in_progress
		later time.Duration          // how long after the world's clock the uploads come
	}{
		{"finished", []proctor.SessionState{proctor.StateSubmitted}, 0},
		{"analysed", []proctor.SessionState{proctor.StateSubmitted, proctor.StateAnalyzed}, 0},
		{"expired", []proctor.SessionState{proctor.StateExpired}, 0},
		{"open but past the resume window", nil, proctor.ResumeWindow},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, u := range numberedUploads() {
				t.Run(u.name, func(t *testing.T) {
					sess := w.newSession(t)
					storeFirst(t, w, u, sess, 1)
					from := proctor.StateInProgress
					if u.name == "photo attempt" { // photos do not start a session
						from = proctor.StateCreated
					}
					for _, to := range c.path {
						must(t, w.st.SetSessionState(ctx, sess.ID, from, to, t0.Add(time.Minute)))
						from = to
					}
					w.at(t, t0.Add(time.Minute+c.later))
					sess = w.reload(t, sess)
					if ack, err := u.put(t, w, sess, u.first, 'a'); err != nil || !ack.Duplicate {
						t.Errorf("a retry: ack %+v, err %v; want a duplicate ack", ack, err)
					}
					if _, err := u.put(t, w, sess, u.first+1, 'a'); codeOf(err) != proctor.CodeSessionClosed {
						t.Errorf("a new upload: %v, want session_closed", err)
					}
					if n := u.stored(t, w, sess); n != 1 {
						t.Errorf("%d stored, want 1", n)
					}
				})
			}
		})
	}
}

// TestWhatStartsASession: a session moves from created to in_progress on
// the first capture the proctoring window sends (a frame, a video or
// audio chunk, an event batch), not on a companion's batch (it reports
// from the system check on) nor on an identity photo (taken before the
// exam).
func TestWhatStartsASession(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	ctx := context.Background()
	agentBatch := func(t *testing.T, sess *proctor.Session) error {
		_, err := w.svc.PutEvents(ctx, sess, proctor.SourceAgent, 0, eventBody("screens", t0.Add(time.Second)))
		return err
	}
	for _, c := range []struct {
		name string
		send func(t *testing.T, sess *proctor.Session) error
		want proctor.SessionState
	}{
		{"a frame", put(w, uploadNamed("frame")), proctor.StateInProgress},
		{"a webcam chunk", put(w, uploadNamed("webcam chunk")), proctor.StateInProgress},
		{"a screen chunk", put(w, uploadNamed("screen chunk")), proctor.StateInProgress},
		{"an audio chunk", put(w, uploadNamed("audio chunk")), proctor.StateInProgress},
		{"the proctoring window's event batch", put(w, uploadNamed("event batch")), proctor.StateInProgress},
		{"a photo", put(w, uploadNamed("photo attempt")), proctor.StateCreated},
		{"the desktop agent's batch", agentBatch, proctor.StateCreated},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := w.newSession(t)
			must(t, c.send(t, sess))
			if got := w.reload(t, sess).State; got != c.want {
				t.Errorf("state %q, want %q", got, c.want)
			}
		})
	}
}

// put sends u's first upload.
func put(w *world, u numbered) func(t *testing.T, sess *proctor.Session) error {
	return func(t *testing.T, sess *proctor.Session) error {
		_, err := u.put(t, w, sess, u.first, 'a')
		return err
	}
}

// racingStore lets another request store an upload's number between the
// upload's check and its transaction: UploadSlot outside a transaction
// answers what the store held, then runs race once.
type racingStore struct {
	*sqlstore.Store
	race func()
}

func (r *racingStore) UploadSlot(ctx context.Context, kind store.UploadKind, sid int64, stream string, seq int64) (store.UploadSlot, error) {
	slot, err := r.Store.UploadSlot(ctx, kind, sid, stream, seq)
	if race := r.race; race != nil {
		r.race = nil
		race()
	}
	return slot, err
}

// TestUploadRacingItsRetry: when the same number is stored by another
// request after an upload's check found it new, the upload's transaction
// meets it: the same content is a retry, acknowledged and stored once;
// other content is a conflict, and what the other request stored stays.
func TestUploadRacingItsRetry(t *testing.T) {
	w := newWorld(t, DefaultLimits())
	other := &world{st: w.st, svc: New(w.st, w.svc.blobs, noFaces{}, w.svc.limits, w.svc.now, w.svc.log), sess: w.sess}
	for _, c := range []struct {
		name     string
		racer    byte // the other request's content; this upload sends 'a'
		wantCode proctor.Code
		wantDup  bool
	}{
		{"the same content is a retry", 'a', "", true},
		{"other content is a conflict", 'b', proctor.CodeSequenceConflict, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, u := range numberedUploads() {
				if u.name == "photo attempt" { // photos are checked inside their transaction as before
					continue
				}
				t.Run(u.name, func(t *testing.T) {
					sess := w.newSession(t)
					storeFirst(t, w, u, sess, 1)
					racing := &racingStore{Store: w.st, race: func() {
						if _, err := u.put(t, other, sess, 1, c.racer); err != nil {
							t.Errorf("the other request: %v", err)
						}
					}}
					w.svc.store = racing
					defer func() { w.svc.store = w.st }()
					ack, err := u.put(t, w, sess, 1, 'a')
					if racing.race != nil {
						t.Fatal("the upload did not check its number before its transaction")
					}
					if codeOf(err) != c.wantCode || err == nil && (!ack.Duplicate || ack.Next != 2) {
						t.Fatalf("%s 1 after the race: %+v, %v; want code %q, duplicate %v", u.name, ack, err, c.wantCode, c.wantDup)
					}
					if n := u.stored(t, w, sess); n != 2 {
						t.Errorf("%d stored, want 2", n)
					}
				})
			}
		})
	}
}
