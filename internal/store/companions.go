package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"vigil/internal/proctor"
)

// Companions holds what pairs the desktop agent and the browser extension
// with a session (docs/COMPANIONS.md).
type Companions interface {
	CreatePairingCode(ctx context.Context, c *PairingCode) error
	// GetPairingCode returns a code by its hash, used or expired or not, so
	// the refusal can say which.
	GetPairingCode(ctx context.Context, codeHash string) (*PairingCode, error)
	// UsePairingCode marks a code used; ErrConflict when it already was.
	UsePairingCode(ctx context.Context, codeHash string, at time.Time) error
	// ListSessionTokens lists a session's tokens of one source, oldest
	// first: for a companion, one per pairing.
	ListSessionTokens(ctx context.Context, sessionID int64, source string) ([]SessionToken, error)
}

// PairingCode is a short single-use code the proctoring window shows, which
// a companion of one source exchanges for a token of the session.
type PairingCode struct {
	Hash      string
	SessionID int64
	Source    string // agent or extension
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// QuizReader is what QuizURL reads.
type QuizReader interface {
	GetLMSQuiz(ctx context.Context, examID int64) (*proctor.LMSQuiz, error)
	GetLTIContext(ctx context.Context, courseID int64) (*proctor.LTIContext, error)
	GetPlatform(ctx context.Context, id int64) (*proctor.Platform, error)
}

// QuizURL is the address of the LMS quiz an exam proctors
// (<canvas>/courses/<course>/quizzes/<quiz>), or "" when the exam proctors
// no Canvas quiz: the browser extension fills the access code there, and
// the rules count it as the exam's own page.
func QuizURL(ctx context.Context, q QuizReader, exam *proctor.Exam) (string, error) {
	quiz, err := q.GetLMSQuiz(ctx, exam.ID)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	x, err := q.GetLTIContext(ctx, exam.CourseID)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	p, err := q.GetPlatform(ctx, x.PlatformID)
	if err != nil || p.CanvasURL == "" || x.LMSCourseID == "" {
		return "", err
	}
	return strings.TrimRight(p.CanvasURL, "/") + "/courses/" + x.LMSCourseID + "/quizzes/" + quiz.QuizID, nil
}
