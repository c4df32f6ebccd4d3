package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/student"
)

// StudentSide is what the web needs of the student's side (package
// student): for the student, by session token; for instructors, the
// course's switch, releases and the explanations on their pages.
type StudentSide interface {
	About(ctx context.Context, sess *proctor.Session) (*student.About, error)
	Consent(ctx context.Context, sess *proctor.Session, remote string) error
	Receipt(ctx context.Context, sess *proctor.Session) (*student.Receipt, error)
	Review(ctx context.Context, sess *proctor.Session, remote string) (*student.Review, error)
	Explain(ctx context.Context, sess *proctor.Session, answers []student.Answer, remote string) (int, error)
	EvidenceFrame(ctx context.Context, sess *proctor.Session, violationID, seq int64, remote string) ([]byte, error)
	EvidenceAudio(ctx context.Context, sess *proctor.Session, violationID int64, remote string) (*review.AudioClip, error)
	EvidencePhoto(ctx context.Context, sess *proctor.Session, violationID, photoID int64, remote string) ([]byte, error)
	ScreenLink(ctx context.Context, sess *proctor.Session, violationID int64, remote string) (string, error)
	ScreenVideo(ctx context.Context, sessionID, violationID int64, q url.Values) (*review.Video, error)

	SetCourse(ctx context.Context, a review.Actor, courseID int64, on bool) error
	CourseOn(ctx context.Context, courseID int64) (bool, error)
	Release(ctx context.Context, a review.Actor, sessionID int64, until time.Time) (*proctor.ReviewRelease, error)
	SessionPanel(ctx context.Context, a review.Actor, sessionID int64) (*student.Panel, error)
	ExamExplanations(ctx context.Context, a review.Actor, examID int64) (map[int64]int, error)
}

// The student's own endpoints, by session token (docs/API.md).

// apiAbout tells the consent page and the system check what is recorded,
// for how long, and the student's accommodations.
func (s *Server) apiAbout(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	a, err := s.Student.About(r.Context(), sess)
	s.writeAck(w, r, a, err)
}

// apiConsent records the student's agreement before any device is asked for.
func (s *Server) apiConsent(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	err := s.Student.Consent(r.Context(), sess, remoteIP(r))
	s.writeAck(w, r, map[string]string{"consent": proctor.ConsentVersion}, err)
}

// apiReceipt is the session's receipt: what Vigil received.
func (s *Server) apiReceipt(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	rc, err := s.Student.Receipt(r.Context(), sess)
	w.Header().Set("Cache-Control", "no-store")
	s.writeAck(w, r, rc, err)
}

// apiReview is the student's released review (or that it is not released).
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	rv, err := s.Student.Review(r.Context(), sess, remoteIP(r))
	w.Header().Set("Cache-Control", "no-store")
	s.writeAck(w, r, rv, err)
}

type explainRequest struct {
	Explanations []student.Answer `json:"explanations"`
}

// apiExplain stores the student's explanations of their flags.
func (s *Server) apiExplain(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	var req explainRequest
	if err := s.decodeJSON(w, r, &req, 64<<10); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := s.Student.Explain(r.Context(), sess, req.Explanations, remoteIP(r))
	s.writeAck(w, r, map[string]int{"saved": n}, err)
}

// apiEvidenceFrame serves one evidence picture of a flag, with every face
// but the student's hidden.
func (s *Server) apiEvidenceFrame(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	vid, err := pathID(r, "violation")
	var seq int64
	if err == nil {
		seq, err = pathSeq(r, "seq")
	}
	var img []byte
	if err == nil {
		img, err = s.Student.EvidenceFrame(r.Context(), sess, vid, seq, remoteIP(r))
	}
	s.writePicture(w, r, img, err)
}

// apiEvidencePhoto serves one identity photo of a Different Person flag,
// with every face but the student's hidden.
func (s *Server) apiEvidencePhoto(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	vid, err := pathID(r, "violation")
	var photo int64
	if err == nil {
		photo, err = pathID(r, "photo")
	}
	var img []byte
	if err == nil {
		img, err = s.Student.EvidencePhoto(r.Context(), sess, vid, photo, remoteIP(r))
	}
	s.writePicture(w, r, img, err)
}

// writePicture answers with a student's evidence picture (JPEG), or the
// error that kept it.
func (s *Server) writePicture(w http.ResponseWriter, r *http.Request, img []byte, err error) {
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(img)
}

// apiEvidenceScreen gives the student a short-lived signed link that plays
// the screen recording at one of their flags (a video element cannot send
// the session token).
func (s *Server) apiEvidenceScreen(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	vid, err := pathID(r, "violation")
	var link string
	if err == nil {
		link, err = s.Student.ScreenLink(r.Context(), sess, vid, remoteIP(r))
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeAck(w, r, map[string]string{"url": link}, err)
}

// studentScreen plays the screen recording a student's signed link opens
// (apiEvidenceScreen). The link is the authority: no cookie, no token; a
// changed link is refused (403), an expired one is gone (410).
func (s *Server) studentScreen(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var violation int64
	if err == nil {
		violation, err = pathID(r, "violation")
	}
	var vid *review.Video
	if err == nil {
		vid, err = s.Student.ScreenVideo(r.Context(), id, violation, r.URL.Query())
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.serveVideo(w, r, vid)
}

// apiEvidenceAudio plays the sound of a Background Audio flag (WAV).
func (s *Server) apiEvidenceAudio(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	vid, err := pathID(r, "violation")
	var clip *review.AudioClip
	if err == nil {
		clip, err = s.Student.EvidenceAudio(r.Context(), sess, vid, remoteIP(r))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(voice.EncodeWAV(clip.Samples, clip.Rate))
}
