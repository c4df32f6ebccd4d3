package student

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/signer"
)

// A student's page plays the screen recording at a flag's moment from a
// short-lived signed link: a video element cannot send the session token,
// and a recording is too large to fetch whole into the page first.
const (
	// ScreenLinkLife is how long a link to the screen recording works:
	// long enough to watch the moment and seek around it, short enough
	// that a copied link soon stops.
	ScreenLinkLife = 15 * time.Minute
	// screenSecret names the server secret that signs the links.
	screenSecret = "student-screen-links"
	// screenPurpose is signed with the ids, so that no other kind of
	// signed link can pass for one of these.
	screenPurpose = "vigil-student-screen"
)

// ScreenLink returns a link, valid for ScreenLinkLife, that plays the
// screen recording's segment holding the start of one of the session's
// flags, at that moment (#t=). Issuing it is the view the audit log
// records: the player's requests through the link are not.
func (s *Service) ScreenLink(ctx context.Context, sess *proctor.Session, violationID int64, remote string) (string, error) {
	v, courseID, err := s.evidenceFlag(ctx, sess, violationID)
	if err != nil {
		return "", err
	}
	_, at, err := s.d.Review.ScreenOf(ctx, sess, v)
	if err != nil {
		return "", err
	}
	key, err := signer.Load(ctx, s.d.Store, screenSecret)
	if err != nil {
		return "", err
	}
	exp := s.d.Now().Add(ScreenLinkLife).Unix()
	q := url.Values{"e": {strconv.FormatInt(exp, 10)}, "s": {key.Sign(screenPurpose, sess.ID, v.ID, exp)}}
	link := fmt.Sprintf("/evidence/screen/%d/%d?%s#t=%.1f", sess.ID, v.ID, q.Encode(), at.Seconds())
	return link, s.audit(ctx, s.d.Store, sess, courseID, proctor.AuditStudentMediaView, fmt.Sprintf("screen of violation %d", v.ID), remote)
}

// ScreenVideo checks a link ScreenLink made (its query q) and returns the
// recording it plays. The signature is checked first, so a changed link
// is never told apart from a made-up one; then its expiry; then, as for
// every piece of evidence, that the review is still released, the flag
// still counts and the media is kept.
func (s *Service) ScreenVideo(ctx context.Context, sessionID, violationID int64, q url.Values) (*review.Video, error) {
	key, err := signer.Load(ctx, s.d.Store, screenSecret)
	if err != nil {
		return nil, err
	}
	exp, err := strconv.ParseInt(q.Get("e"), 10, 64)
	if err != nil || !key.Valid(q.Get("s"), screenPurpose, sessionID, violationID, exp) {
		return nil, proctor.E(proctor.CodeForbidden, "This link to a screen recording is not valid: it is incomplete or was changed. "+
			"Open the recording again from your review.")
	}
	if until := time.Unix(exp, 0); !s.d.Now().Before(until) {
		return nil, proctor.E(proctor.CodeGone, "This link to a screen recording expired at %s: links last %d minutes. "+
			"Open the recording again from your review.", until.UTC().Format("2 Jan 2006 15:04 MST"), int(ScreenLinkLife.Minutes()))
	}
	sess, err := s.d.Store.GetSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	v, _, err := s.evidenceFlag(ctx, sess, violationID)
	if err != nil {
		return nil, err
	}
	vid, _, err := s.d.Review.ScreenOf(ctx, sess, v)
	return vid, err
}
