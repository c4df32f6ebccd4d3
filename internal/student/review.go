package student

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/analysis"
	"vigil/internal/analysis/redact"
	"vigil/internal/blob"
	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/store"
)

// Review is a student's view of their own session once it is released:
// the flags that counted, their evidence and the student's explanations.
// Before release it says only that (Released false): no flag, no status.
type Review struct {
	Released     bool      `json:"released"`
	ReleasedAt   time.Time `json:"released_at,omitzero"`
	ExplainUntil time.Time `json:"explain_until,omitzero"`
	// Open: explanations are accepted now.
	Open bool `json:"open"`
	// Status is the Pass/Fail in force (the reviewed one once the session
	// is marked reviewed), shown only after release; Final says whether
	// the instructor has marked the review done.
	Status string `json:"status,omitempty"`
	Final  bool   `json:"final"`
	Flags  []Flag `json:"flags"`
	// MediaDeleted: the retention policy deleted the pictures and sound.
	MediaDeleted bool `json:"media_deleted"`
}

// Flag is one applied violation as its student sees it.
type Flag struct {
	ID    int64  `json:"id"`
	Key   string `json:"key"`
	Type  string `json:"type"`
	Label string `json:"label"`
	Help  string `json:"help"`
	Cause string `json:"cause,omitempty"`
	// FromS and ToS are seconds from the recording's start.
	FromS    float64   `json:"from_s"`
	ToS      float64   `json:"to_s"`
	At       time.Time `json:"at"`
	Decision string    `json:"decision"`
	// Notes are the events behind it in words; Frames the webcam
	// pictures the instructor sees (served with other faces hidden);
	// Audio whether there is a sound clip; Screen whether the screen was
	// recorded at its moment (ScreenLink); Photos, for a Different
	// Person, the scan that did not match and the onboarding photo it was
	// compared with (served with other faces hidden).
	Notes       []string  `json:"notes"`
	Frames      []Frame   `json:"frames"`
	Audio       bool      `json:"audio"`
	Screen      bool      `json:"screen"`
	Photos      []IDPhoto `json:"photos"`
	Explanation string    `json:"explanation"`
}

// IDPhoto is an identity photo shown as evidence of a flag.
type IDPhoto struct {
	ID         int64     `json:"id"`
	Onboarding bool      `json:"onboarding"`
	Label      string    `json:"label"`            // "Your onboarding face photo", "Photo ID scan, attempt 1"
	Result     string    `json:"result,omitempty"` // a scan's comparison, in words
	At         time.Time `json:"at"`
}

func idPhoto(p *proctor.Photo) IDPhoto {
	if p.Purpose == proctor.PurposeOnboarding {
		return IDPhoto{ID: p.ID, Onboarding: true, Label: "Your onboarding " + strings.ToLower(p.Kind.Label()) + " photo", At: p.CapturedAt}
	}
	return IDPhoto{ID: p.ID, Label: fmt.Sprintf("%s scan, attempt %d", p.Kind.Label(), p.Attempt), Result: p.IdentityText(), At: p.CapturedAt}
}

// Frame is one evidence picture of a flag.
type Frame struct {
	Seq   int64  `json:"seq"`
	Where string `json:"where"` // before, during, after
}

// errNotReleased refuses what only a released review allows.
var errNotReleased = proctor.E(proctor.CodeNotFound, "your instructor has not released the review of this exam")

// released returns the session's release when the course still allows
// student review, else errNotReleased.
func (s *Service) released(ctx context.Context, sess *proctor.Session, courseID int64) (*proctor.ReviewRelease, error) {
	on, err := s.d.Store.StudentReview(ctx, courseID)
	if err != nil {
		return nil, err
	}
	rel, err := s.d.Store.GetReviewRelease(ctx, sess.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !on) {
		return nil, errNotReleased
	}
	return rel, err
}

// flags are the session's applied violations (what counted), in time order.
func (s *Service) flags(ctx context.Context, sess *proctor.Session) ([]proctor.Violation, error) {
	vs, err := s.d.Store.ListViolations(ctx, sess.ID)
	return slices.DeleteFunc(vs, func(v proctor.Violation) bool { return !v.Applied }), err
}

// Review returns the student's view of their session and records it.
func (s *Service) Review(ctx context.Context, sess *proctor.Session, remote string) (*Review, error) {
	exam, err := s.d.Store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, err
	}
	rel, err := s.released(ctx, sess, exam.CourseID)
	if errors.Is(err, errNotReleased) {
		return &Review{Flags: []Flag{}}, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	r := &Review{Released: true, ReleasedAt: rel.ReleasedAt, ExplainUntil: rel.ExplainUntil, Open: rel.Open(now),
		Status: sess.Verdict.Label(), Final: sess.Reviewed, Flags: []Flag{}, MediaDeleted: sess.MediaPurged()}
	if sess.Reviewed {
		r.Status = sess.ReviewedVerdict.Label()
	}
	vs, err := s.flags(ctx, sess)
	if err != nil {
		return nil, err
	}
	ev, err := s.d.Review.EvidenceOf(ctx, sess, vs)
	if err != nil {
		return nil, err
	}
	answers, err := s.explanations(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		r.Flags = append(r.Flags, flag(sess, &vs[i], ev[vs[i].ID], answers[vs[i].Key()]))
	}
	return r, s.audit(ctx, s.d.Store, sess, exam.CourseID, proctor.AuditStudentReviewView, fmt.Sprintf("%d flags", len(r.Flags)), remote)
}

func flag(sess *proctor.Session, v *proctor.Violation, ev review.Evidence, answer string) Flag {
	f := Flag{ID: v.ID, Key: v.Key(), Type: string(v.Type), Label: v.Type.Label(), Help: v.Type.Help(),
		FromS: float64(sess.Offset(v.Start)) / 1000, ToS: float64(sess.Offset(v.End)) / 1000, At: v.Start,
		Decision: v.Decision.Label(), Notes: []string{}, Frames: []Frame{}, Audio: ev.AudioClip && !sess.MediaPurged(),
		Screen: ev.ScreenURL != "" && !sess.MediaPurged(), Photos: []IDPhoto{}, Explanation: answer}
	if v.Cause != proctor.CauseNone {
		f.Cause = v.Cause.Label()
	}
	for _, n := range ev.Notes {
		f.Notes = append(f.Notes, fmt.Sprintf("%s: %s", clock(sess, n.At), n.Text))
	}
	if !sess.MediaPurged() {
		for _, sn := range v.Snapshots() {
			f.Frames = append(f.Frames, Frame{Seq: sn.Seq, Where: sn.Where})
		}
		for i := range ev.Photos {
			f.Photos = append(f.Photos, idPhoto(&ev.Photos[i]))
		}
	}
	return f
}

// clock is a moment as minutes and seconds into the recording.
func clock(sess *proctor.Session, t time.Time) string {
	d := max(0, time.Duration(sess.Offset(t))*time.Millisecond).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func (s *Service) explanations(ctx context.Context, sessionID int64) (map[string]string, error) {
	es, err := s.d.Store.ListExplanations(ctx, sessionID)
	out := make(map[string]string, len(es))
	for _, e := range es {
		out[e.ViolationKey] = e.Body
	}
	return out, err
}

// Answer is a student's explanation of one flag, by the flag's key.
type Answer struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

// Explain stores the student's explanations (each replaces that flag's
// earlier one; an unchanged or empty one is left as it was), records them
// and queues the digest that tells the instructors. It returns how many
// changed.
func (s *Service) Explain(ctx context.Context, sess *proctor.Session, answers []Answer, remote string) (int, error) {
	exam, err := s.d.Store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return 0, err
	}
	rel, err := s.released(ctx, sess, exam.CourseID)
	if err != nil {
		return 0, err
	}
	now := s.d.Now()
	if !rel.Open(now) {
		return 0, proctor.E(proctor.CodeConflict, "explanations were accepted until %s", rel.ExplainUntil.UTC().Format("2 Jan 2006 15:04 MST"))
	}
	changed, err := s.changedAnswers(ctx, sess, answers)
	if err != nil || len(changed) == 0 {
		return 0, err
	}
	err = s.d.Store.InTx(ctx, func(tx store.Tx) error {
		for _, a := range changed {
			if err := tx.SaveExplanation(ctx, &proctor.Explanation{SessionID: sess.ID, ViolationKey: a.Key, Body: a.Text, UpdatedAt: now}); err != nil {
				return err
			}
		}
		if err := tx.Enqueue(ctx, jobargs.ExplanationDigest{SessionID: sess.ID, At: now.Add(s.d.DigestDelay)}); err != nil {
			return err
		}
		return s.audit(ctx, tx, sess, exam.CourseID, proctor.AuditExplanation, fmt.Sprintf("%d flags explained", len(changed)), remote)
	})
	return len(changed), err
}

// changedAnswers checks each answer names one of the session's flags and
// is not too long, and keeps those that say something new.
func (s *Service) changedAnswers(ctx context.Context, sess *proctor.Session, answers []Answer) ([]Answer, error) {
	vs, err := s.flags(ctx, sess)
	if err != nil {
		return nil, err
	}
	before, err := s.explanations(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	var out []Answer
	for _, a := range answers {
		a.Text = strings.TrimSpace(a.Text)
		if !slices.ContainsFunc(vs, func(v proctor.Violation) bool { return v.Key() == a.Key }) {
			return nil, proctor.E(proctor.CodeInvalid, "there is no such flag in your session")
		}
		if utf8.RuneCountInString(a.Text) > proctor.MaxExplanation {
			return nil, proctor.E(proctor.CodeInvalid, "an explanation can be at most %d characters", proctor.MaxExplanation)
		}
		if a.Text != "" && a.Text != before[a.Key] {
			out = append(out, a)
		}
	}
	return out, nil
}

// evidenceFlag loads one of the session's flags for its evidence, once
// the review is released and while the media is kept.
func (s *Service) evidenceFlag(ctx context.Context, sess *proctor.Session, violationID int64) (*proctor.Violation, int64, error) {
	exam, err := s.d.Store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, 0, err
	}
	if _, err := s.released(ctx, sess, exam.CourseID); err != nil {
		return nil, 0, err
	}
	v, err := s.d.Store.GetViolation(ctx, violationID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (v.SessionID != sess.ID || !v.Applied)) {
		return nil, 0, proctor.E(proctor.CodeNotFound, "there is no such flag in your session")
	}
	if err == nil && sess.MediaPurged() {
		err = proctor.E(proctor.CodeGone, "the pictures and sound of this session were deleted under the retention policy")
	}
	return v, exam.CourseID, err
}

// EvidenceFrame returns one evidence picture of a flag as a JPEG, with
// every face but the student's pixelated (package redact), and records
// the view.
func (s *Service) EvidenceFrame(ctx context.Context, sess *proctor.Session, violationID, seq int64, remote string) ([]byte, error) {
	v, courseID, err := s.evidenceFlag(ctx, sess, violationID)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(v.Snapshots(), func(sn proctor.Snapshot) bool { return sn.Seq == seq }) {
		return nil, proctor.E(proctor.CodeNotFound, "this picture is not evidence of that flag")
	}
	f, err := s.d.Store.GetFrame(ctx, sess.ID, seq)
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context) (blob.Object, error) {
		return blob.OpenPart(ctx, s.d.Blobs, f.BlobKey, f.Offset, f.Size)
	}
	return s.redactedView(ctx, sess, courseID, open, fmt.Sprintf("evidence picture %d of violation %d", seq, v.ID), remote)
}

// EvidencePhoto returns one identity photo of a Different Person flag
// (the scan or the onboarding photo it was compared with) as a JPEG, with
// every face but the main one pixelated, and records the view.
func (s *Service) EvidencePhoto(ctx context.Context, sess *proctor.Session, violationID, photoID int64, remote string) ([]byte, error) {
	v, courseID, err := s.evidenceFlag(ctx, sess, violationID)
	if err != nil {
		return nil, err
	}
	notEvidence := proctor.E(proctor.CodeNotFound, "this photo is not evidence of that flag")
	if !slices.Contains(v.PhotoIDs, photoID) {
		return nil, notEvidence
	}
	p, err := s.d.Store.GetPhotoByID(ctx, photoID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, proctor.E(proctor.CodeGone, "this photo was deleted under the retention policy")
	}
	if err != nil {
		return nil, err
	}
	if p.StudentID != sess.StudentID {
		return nil, notEvidence
	}
	open := func(ctx context.Context) (blob.Object, error) { return s.d.Blobs.Open(ctx, p.BlobKey) }
	return s.redactedView(ctx, sess, courseID, open, fmt.Sprintf("identity photo %d of violation %d", p.ID, v.ID), remote)
}

// redactedView reads a stored picture (open opens it) with every face but
// the student's pixelated and records the view (detail names the picture).
func (s *Service) redactedView(ctx context.Context, sess *proctor.Session, courseID int64, open opener, detail, remote string) ([]byte, error) {
	out, hidden, err := s.redacted(ctx, open)
	if err != nil {
		return nil, err
	}
	if hidden > 0 {
		detail += fmt.Sprintf(" (%d other faces hidden)", hidden)
	}
	return out, s.audit(ctx, s.d.Store, sess, courseID, proctor.AuditStudentMediaView, detail, remote)
}

// opener opens a stored picture: a photo's object, a frame's part of one.
type opener func(context.Context) (blob.Object, error)

// maxFrameBytes bounds a stored frame read (ingest accepts far less).
const maxFrameBytes = 8 << 20

// redacted reads a stored frame and pixelates every face but the
// student's.
func (s *Service) redacted(ctx context.Context, open opener) ([]byte, int, error) {
	o, err := open(ctx)
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(io.LimitReader(o, maxFrameBytes))
	o.Close()
	if err != nil {
		return nil, 0, err
	}
	img, err := analysis.DecodeJPEG(data)
	if err != nil {
		return nil, 0, err
	}
	faces, err := s.d.Faces.Detect(ctx, img)
	if err != nil {
		return nil, 0, err
	}
	out, hidden := redact.Others(img, faces, redact.Keep(faces, img.Bounds()))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 85}); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), hidden, nil
}

// EvidenceAudio returns the sound of a Background Audio flag and records
// that the student heard it.
func (s *Service) EvidenceAudio(ctx context.Context, sess *proctor.Session, violationID int64, remote string) (*review.AudioClip, error) {
	v, courseID, err := s.evidenceFlag(ctx, sess, violationID)
	if err != nil {
		return nil, err
	}
	if v.Type != proctor.BackgroundAudio {
		return nil, proctor.E(proctor.CodeNotFound, "this flag has no sound")
	}
	clip, err := s.d.Review.Clip(ctx, s.d.Blobs, sess, v)
	if err != nil {
		return nil, err
	}
	return clip, s.audit(ctx, s.d.Store, sess, courseID, proctor.AuditStudentMediaView, fmt.Sprintf("sound of violation %d", v.ID), remote)
}
