package student

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"vigil/internal/proctor"
)

// Receipt is what a student keeps of a session: what Vigil received, and
// a hash of it that the institution can recompute from its records.
type Receipt struct {
	SessionID int64  `json:"session_id"`
	Course    string `json:"course"`
	Exam      string `json:"exam"`
	Student   string `json:"student"`
	Attempt   int    `json:"attempt"`
	// State is the session's state in words; Finished once the student
	// (or the 72 hours) ended it.
	State    string `json:"state"`
	Finished bool   `json:"finished"`
	// Times: when the session began (the student's clock), the recording's
	// first and last moments, and when Vigil closed it (server clock).
	StartedAt    time.Time `json:"started_at"`
	RecordedFrom time.Time `json:"recorded_from"`
	RecordedTo   time.Time `json:"recorded_to"`
	FinishedAt   time.Time `json:"finished_at"`
	Kinds        []Kind    `json:"kinds"`
	Items        int       `json:"items"`
	Bytes        int64     `json:"bytes"`
	// SHA256 is the hash of the upload set: SHA-256 over one line per item,
	// "<kind> <seq> <sha256 of its bytes>\n", in the order of
	// store.ListUploads (docs/STUDENT.md).
	SHA256 string `json:"sha256"`
	// Purged: the retention policy has deleted the media since; the counts
	// are from the session's summary and there is no hash.
	Purged bool `json:"purged"`
}

// Kind is one kind of upload on a receipt.
type Kind struct {
	Kind    string  `json:"kind"`
	Label   string  `json:"label"`
	Count   int     `json:"count"`
	Minutes float64 `json:"minutes"` // recorded length; 0 where a kind has none
	Bytes   int64   `json:"bytes"`
}

// kinds in receipt order, with how each is named and timed.
var kinds = []struct{ kind, label string }{
	{"frame", "Webcam pictures"},
	{"chunk_webcam", "Webcam video"},
	{"chunk_screen", "Screen video"},
	{"audio", "Microphone sound"},
	{"events", "Browser event batches"},
	{"photo", "Identity photos"},
}

// Receipt builds a session's receipt.
func (s *Service) Receipt(ctx context.Context, sess *proctor.Session) (*Receipt, error) {
	exam, course, err := s.scope(ctx, sess)
	if err != nil {
		return nil, err
	}
	st, err := s.d.Store.GetStudent(ctx, sess.StudentID)
	if err != nil {
		return nil, err
	}
	r := &Receipt{SessionID: sess.ID, Course: course.Title, Exam: exam.Title, Student: st.FullName(), Attempt: sess.AttemptLabel(),
		State: sess.State.Label(), Finished: !sess.State.AcceptsUploads(), StartedAt: sess.ClientStartedAt,
		RecordedFrom: sess.RecordedFrom, RecordedTo: sess.LastCaptureAt, FinishedAt: sess.FinishedAt, Kinds: []Kind{}}
	if sess.MediaPurged() {
		r.Purged, r.Items, r.Bytes = true, int(sess.Purged.Total()), sess.Purged.Bytes
		return r, nil
	}
	ups, err := s.d.Store.ListUploads(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	by := map[string]*Kind{}
	for _, k := range kinds {
		by[k.kind] = &Kind{Kind: k.kind, Label: k.label}
	}
	h := sha256.New()
	for _, u := range ups {
		fmt.Fprintf(h, "%s %d %s\n", u.Kind, u.Seq, u.SHA256)
		k := by[u.Kind]
		if k == nil {
			continue
		}
		k.Count++
		k.Bytes += u.Size
		k.Minutes += float64(u.DurationMS) / 60000
		r.Items++
		r.Bytes += u.Size
	}
	if f := by["frame"]; f.Count > 0 {
		f.Minutes = float64(f.Count) * exam.Settings.FrameIntervalSeconds / 60
	}
	for _, k := range kinds {
		if by[k.kind].Count > 0 {
			r.Kinds = append(r.Kinds, *by[k.kind])
		}
	}
	r.SHA256 = hex.EncodeToString(h.Sum(nil))
	return r, nil
}
