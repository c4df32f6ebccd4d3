package lms

import (
	"context"
	"encoding/json"
	"time"

	"vigil/internal/auth"
	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// A launch or a hand-off waits under a one-time key (only its hash is
// kept) until the browser comes back for it, once.

// HoldLaunch keeps a checked launch for life under a new one-time key.
// stateHash ties it to the login that began it: the browser must prove it
// holds that state to take it. A deep-linking request waiting for the
// instructor's choice is held with none ("").
func (s *Service) HoldLaunch(ctx context.Context, stateHash string, l *lti.Launch, life time.Duration) (string, error) {
	data, _ := json.Marshal(l)
	return s.hold(ctx, stateHash, data, life)
}

// TakeLaunch takes a held launch and the state hash it was held with.
func (s *Service) TakeLaunch(ctx context.Context, key string) (*lti.Launch, string, error) {
	p, err := s.Store.TakePending(ctx, auth.HashToken(key), s.Now())
	if err != nil {
		return nil, "", err
	}
	var l lti.Launch
	if err := json.Unmarshal(p.Launch, &l); err != nil {
		return nil, "", err
	}
	return &l, p.StateHash, nil
}

// handoff is what a one-time hand-off link holds.
type handoff struct {
	UserID int64  `json:"user_id"`
	Next   string `json:"next"`
}

// HoldHandoff keeps, for life, a one-time key that signs the user in a
// tab of its own (where the browser blocks the cookie in the LMS's frame)
// and leads to next.
func (s *Service) HoldHandoff(ctx context.Context, userID int64, next string, life time.Duration) (string, error) {
	data, err := json.Marshal(handoff{UserID: userID, Next: next})
	if err != nil {
		return "", err
	}
	return s.hold(ctx, "", data, life)
}

// TakeHandoff takes a hand-off: the user to sign in and where to go.
func (s *Service) TakeHandoff(ctx context.Context, key string) (*proctor.User, string, error) {
	p, err := s.Store.TakePending(ctx, auth.HashToken(key), s.Now())
	var h handoff
	if err == nil {
		err = json.Unmarshal(p.Launch, &h)
	}
	if err != nil || h.UserID == 0 {
		return nil, "", proctor.E(proctor.CodeUnauthenticated, "this link was already used or has expired: open Vigil again from your course")
	}
	u, err := s.Store.GetUser(ctx, h.UserID)
	return u, h.Next, err
}

func (s *Service) hold(ctx context.Context, stateHash string, data []byte, life time.Duration) (string, error) {
	id, hash := auth.NewToken()
	err := s.Store.SavePending(ctx, &store.LTIPending{IDHash: hash, StateHash: stateHash, Launch: data, ExpiresAt: s.Now().Add(life)})
	return id, err
}
