package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"vigil/internal/blob"
	"vigil/internal/proctor"
	"vigil/internal/review"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sessionURL(id int64, tab, msg string) string {
	q := url.Values{}
	if validTab(tab) {
		q.Set("tab", tab)
	}
	if msg != "" {
		q.Set("done", msg)
	}
	u := "/sessions/" + itoa(id)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// violationURL is the session page on a tab (Online Violations unless
// tab names another), with the violation selected and in view.
func violationURL(v *proctor.Violation, tab, msg string) string {
	if !validTab(tab) {
		tab = "violations"
	}
	return sessionURL(v.SessionID, tab, msg) + "&v=" + itoa(v.ID) + "#violation-" + itoa(v.ID)
}

// serveBlob streams one stored object. Media is private: stored by no
// cache at all (not even the reviewer's browser, which a shared computer
// would keep after sign-out), and re-authorised on every read.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, key, contentType string) {
	if s.redirectToStore(w, r, key) {
		return
	}
	o, err := s.Blobs.Open(r.Context(), key)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.serveObject(w, r, o, contentType)
}

// serveObject streams an open object (and closes it), private as
// serveBlob says.
func (s *Server) serveObject(w http.ResponseWriter, r *http.Request, o blob.Object, contentType string) {
	defer o.Close()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", o.Info().ModTime, o)
}

func (s *Server) frameImage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !s.allowMedia(w, r, v, s.media.frames) {
		return
	}
	id, err := pathID(r, "id")
	var seq int64
	if err == nil {
		seq, err = pathSeq(r, "seq")
	}
	var sess *proctor.Session
	var f *proctor.Frame
	if err == nil {
		sess, f, err = s.Review.Frame(r.Context(), v.actor(r), id, seq)
	}
	if errors.Is(err, review.ErrMediaGone) {
		s.mediaGone(w, r, sess)
		return
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.auditFrameRead(r, v, sess, seq)
	if !f.Packed {
		s.serveBlob(w, r, f.BlobKey, "image/jpeg")
		return
	}
	// A frame in a pack is part of an object, which a redirect to the
	// store's own address cannot name: it is always streamed from here.
	o, err := blob.OpenPart(r.Context(), s.Blobs, f.BlobKey, f.Offset, f.Size)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.serveObject(w, r, o, "image/jpeg")
}

// mediaGone answers a media read of a session whose media the retention
// policy deleted: 410 with a page that says so, not a broken file.
func (s *Server) mediaGone(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	s.pageError(w, r, proctor.E(proctor.CodeGone, "The media of this session was deleted on %s under the retention policy. "+
		"Its summary, incidents, decisions and notes are kept on the session page.", fmtTime(sess.MediaPurgedAt, "2 Jan 2006")))
}

func (s *Server) photoImage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !s.allowMedia(w, r, v, s.media.other) {
		return
	}
	id, err := pathID(r, "id")
	var sess *proctor.Session
	var p *proctor.Photo
	if err == nil {
		sess, p, err = s.Review.Photo(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.auditMedia(r, v, sess, fmt.Sprintf("photo #%d (%s %s, attempt %d)", p.ID, p.Purpose, p.Kind, p.Attempt))
	s.serveBlob(w, r, p.BlobKey, "image/jpeg")
}

// videoFile serves one segment of a stream's WebM chunks (?segment=N,
// default 0) as one file, with range requests so the player can seek.
func (s *Server) videoFile(w http.ResponseWriter, r *http.Request, v *viewer) {
	if r.Header.Get("Range") == "" && !s.allowMedia(w, r, v, s.media.other) {
		return // seeking (range requests) within a granted read is free
	}
	id, err := pathID(r, "id")
	var vid *review.Video
	if err == nil {
		vid, err = s.Review.Video(r.Context(), v.actor(r), id, trimExt(r.PathValue("stream")), r.URL.Query().Get("segment"))
	}
	if errors.Is(err, review.ErrMediaGone) {
		s.mediaGone(w, r, vid.Session)
		return
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if r.Header.Get("Range") == "" {
		s.auditMedia(r, v, vid.Session, "video "+vid.Stream)
	}
	s.serveVideo(w, r, vid)
}

// serveVideo plays an authorised recording: its chunks as one WebM file,
// with range requests so the player can seek, stored by no cache.
func (s *Server) serveVideo(w http.ResponseWriter, r *http.Request, vid *review.Video) {
	cat := blob.NewConcat(r.Context(), s.Blobs, vid.Parts())
	defer cat.Close()
	if s.MediaDirect && !vid.Session.State.AcceptsUploads() && s.redirectJoined(w, r, vid, cat.Size()) {
		return
	}
	w.Header().Set("Content-Type", "video/webm")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", vid.Chunks[len(vid.Chunks)-1].ReceivedAt, cat)
}

func trimExt(s string) string {
	if len(s) > 5 && s[len(s)-5:] == ".webm" {
		return s[:len(s)-5]
	}
	return s
}

// signedURLLife is how long a redirect to the store works: long enough to
// start playing, short enough that a copied link soon stops.
const signedURLLife = 5 * time.Minute

// redirectToStore sends the browser to a signed URL of the object when
// media is served directly from the store (already authorised by the
// caller); it reports whether it did.
func (s *Server) redirectToStore(w http.ResponseWriter, r *http.Request, key string) bool {
	if !s.MediaDirect {
		return false
	}
	u, err := s.Blobs.SignedURL(r.Context(), key, signedURLLife)
	if err != nil {
		s.Log.Warn("signed URL", "key", key, "err", err)
		return false // served through Vigil instead
	}
	w.Header().Set("Cache-Control", "private, no-store")
	http.Redirect(w, r, u, http.StatusFound)
	return true
}

// redirectJoined redirects to the segment joined into one object after the
// session finished (jobargs.JoinVideo), when it is there and complete.
func (s *Server) redirectJoined(w http.ResponseWriter, r *http.Request, vid *review.Video, size int64) bool {
	key := vid.JoinedKey()
	info, err := s.Blobs.Stat(r.Context(), key)
	if err != nil || info.Size != size {
		return false // not joined yet: played through Vigil
	}
	return s.redirectToStore(w, r, key)
}
