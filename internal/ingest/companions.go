package ingest

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Pairing joins a companion (the desktop agent, the browser extension) to a
// live session: the proctoring window asks for a short code, the student
// gives it to the companion, and the companion exchanges it once for a
// token of that session and that source (docs/COMPANIONS.md).
const (
	// PairingCodeLife is how long a code may be used.
	PairingCodeLife = 10 * time.Minute
	// pairingAlphabet has no 0/O or 1/I, so a code read aloud or typed
	// from a screen is not mistyped.
	pairingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	pairingCodeLen  = 8
	// ReportSeconds is how often a companion sends a batch (an empty one
	// is its heartbeat); ConnectedWithin how recent the last must be for
	// it to count as connected.
	ReportSeconds   = 5
	ConnectedWithin = 20 * time.Second
)

// IssuedCode is a pairing code as the proctoring window shows it.
type IssuedCode struct {
	Code      string    `json:"code"`
	Kind      string    `json:"kind"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewPairingCode issues a single-use code pairing a companion of source
// with the session. Only its hash is kept.
func (s *Service) NewPairingCode(ctx context.Context, sess *proctor.Session, source string) (*IssuedCode, error) {
	if !proctor.CompanionSource(source) {
		return nil, proctor.E(proctor.CodeInvalid, "\"kind\" must be agent or extension")
	}
	if err := s.checkOpen(sess); err != nil {
		return nil, err
	}
	code := newPairingCode()
	now := s.now()
	c := &store.PairingCode{Hash: auth.HashToken(code), SessionID: sess.ID, Source: source, CreatedAt: now, ExpiresAt: now.Add(PairingCodeLife)}
	if err := s.store.CreatePairingCode(ctx, c); err != nil {
		return nil, err
	}
	return &IssuedCode{Code: code, Kind: source, ExpiresAt: c.ExpiresAt}, nil
}

func newPairingCode() string {
	b := make([]byte, pairingCodeLen)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	for i := range b {
		b[i] = pairingAlphabet[int(b[i])%len(pairingAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

// NormalizePairingCode reads a code as a student may type it: any case,
// with spaces or dashes.
func NormalizePairingCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		if strings.ContainsRune(pairingAlphabet, r) {
			b.WriteRune(r)
		} else if r != ' ' && r != '-' {
			return "" // a character no code has
		}
	}
	return b.String()
}

// Paired is what a companion learns when its code is accepted.
type Paired struct {
	SessionID      int64     `json:"session_id"`
	Token          string    `json:"token"`
	Kind           string    `json:"kind"`
	Exam           string    `json:"exam"`
	Student        string    `json:"student"`
	ExpiresAt      time.Time `json:"expires_at"`
	NextEventBatch int64     `json:"next_event_batch"`
	ReportSeconds  int       `json:"report_seconds"`
}

// Pair exchanges a pairing code for a companion token scoped to the code's
// session and source. The code works once, for ten minutes, for the kind
// of companion it was issued for.
func (s *Service) Pair(ctx context.Context, code, source string) (*Paired, error) {
	if !proctor.CompanionSource(source) {
		return nil, proctor.E(proctor.CodeInvalid, "\"kind\" must be agent or extension")
	}
	norm := NormalizePairingCode(code)
	if len(norm) != pairingCodeLen {
		return nil, proctor.E(proctor.CodeUnauthenticated, "a pairing code has %d letters and digits: check the code shown in the proctoring window", pairingCodeLen)
	}
	hash := auth.HashToken(norm)
	pc, err := s.store.GetPairingCode(ctx, hash)
	if err != nil {
		return nil, pairingRefusal(err)
	}
	if err := s.checkCode(pc, source); err != nil {
		return nil, err
	}
	sess, err := s.store.GetSession(ctx, pc.SessionID)
	if err != nil {
		return nil, err
	}
	if err := s.checkOpen(sess); err != nil {
		return nil, err
	}
	return s.pairTx(ctx, sess, hash, source)
}

func pairingRefusal(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return proctor.E(proctor.CodeUnauthenticated, "this pairing code is not valid: ask the proctoring window for a new one")
	}
	return err
}

func (s *Service) checkCode(pc *store.PairingCode, source string) error {
	switch {
	case !pc.UsedAt.IsZero():
		return proctor.E(proctor.CodeUnauthenticated, "this pairing code was already used: ask the proctoring window for a new one")
	case !s.now().Before(pc.ExpiresAt):
		return proctor.E(proctor.CodeUnauthenticated, "this pairing code expired: ask the proctoring window for a new one")
	case pc.Source != source:
		return proctor.E(proctor.CodeInvalid, "this pairing code is for the %s, not the %s", proctor.SourceLabel(pc.Source), proctor.SourceLabel(source))
	}
	return nil
}

func (s *Service) pairTx(ctx context.Context, sess *proctor.Session, hash, source string) (*Paired, error) {
	token, tokenHash := auth.NewToken()
	p := &Paired{SessionID: sess.ID, Token: token, Kind: source, ExpiresAt: sess.CreatedAt.Add(tokenLife), ReportSeconds: ReportSeconds}
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.UsePairingCode(ctx, hash, s.now()); errors.Is(err, store.ErrConflict) {
			return proctor.E(proctor.CodeUnauthenticated, "this pairing code was already used: ask the proctoring window for a new one")
		} else if err != nil {
			return err
		}
		var err error
		if p.NextEventBatch, err = tx.NextEventBatch(ctx, sess.ID, source); err != nil {
			return err
		}
		return tx.AddSessionToken(ctx, &store.SessionToken{Hash: tokenHash, SessionID: sess.ID, Source: source,
			CreatedAt: s.now(), ExpiresAt: p.ExpiresAt})
	})
	if err != nil {
		return nil, err
	}
	return p, s.names(ctx, sess, p)
}

func (s *Service) names(ctx context.Context, sess *proctor.Session, p *Paired) error {
	exam, err := s.store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return err
	}
	st, err := s.store.GetStudent(ctx, sess.StudentID)
	if err != nil {
		return err
	}
	p.Exam, p.Student = exam.Title, st.FullName()
	return nil
}
