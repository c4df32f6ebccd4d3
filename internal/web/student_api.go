package web

import (
	"context"
	"net/http"
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
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(img)
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
