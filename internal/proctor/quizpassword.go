package proctor

import (
	"fmt"
	"time"
)

// QuizPassword is the password an instructor pastes once into the LMS's
// quiz ("Require password" in Moodle, an access code in Canvas): Vigil
// shows it to a student only while that student's recording runs and is
// healthy, so the quiz cannot be taken without Vigil. Each exam has its
// own; making a new one (rotating) means pasting it again.
type QuizPassword struct {
	ExamID    int64
	Password  string
	CreatedAt time.Time
}

// RecordingActivity is when Vigil last received each kind of upload of a
// session (the server's clock; zero: never).
type RecordingActivity struct {
	FirstFrame time.Time // the recording's first webcam still
	LastFrame  time.Time // a webcam still
	LastWebcam time.Time // a webcam video chunk (it carries the microphone)
	LastScreen time.Time // a screen video chunk
}

// Recording health: how recent each upload must be. The client sends a
// webcam still every frame interval and a webcam (and screen) video chunk
// every 10 seconds.
const (
	// HealthyFrameWindow is the least time a webcam still may be late;
	// with a long frame interval the window is three intervals.
	HealthyFrameWindow = 12 * time.Second
	// HealthyChunkWindow bounds the age of the last webcam (microphone)
	// and screen video chunks: two 10-second chunks and upload time.
	HealthyChunkWindow = 25 * time.Second
)

// Healthy says whether a session's recording is running and healthy at
// now: the session is in progress and Vigil received, recently enough, a
// webcam still, a webcam video chunk (camera and microphone), and — when
// the exam asks for the screen — a screen video chunk. The video chunks
// are due only once the recording has run for HealthyChunkWindow (the
// first arrives ten seconds in). Reason says what is missing, in words for
// the student.
func (a RecordingActivity) Healthy(now time.Time, sess *Session, s Settings) (bool, string) {
	if sess.State != StateInProgress {
		return false, "the recording has not started or has ended"
	}
	frameWindow := HealthyFrameWindow
	if w := time.Duration(3 * s.FrameIntervalSeconds * float64(time.Second)); w > frameWindow {
		frameWindow = w
	}
	switch {
	case a.LastFrame.IsZero():
		return false, "Vigil has not received your camera yet"
	case now.Sub(a.LastFrame) > frameWindow:
		return false, fmt.Sprintf("Vigil has received nothing from your camera for %s", age(now.Sub(a.LastFrame)))
	}
	due := now.Sub(a.FirstFrame) > HealthyChunkWindow
	switch {
	case a.LastWebcam.IsZero() && due:
		return false, "Vigil has not received your camera's video and microphone yet"
	case !a.LastWebcam.IsZero() && now.Sub(a.LastWebcam) > HealthyChunkWindow:
		return false, fmt.Sprintf("Vigil has received no video or sound from your camera and microphone for %s", age(now.Sub(a.LastWebcam)))
	case s.RequireScreenShare && a.LastScreen.IsZero() && due:
		return false, "Vigil has not received your shared screen yet"
	case s.RequireScreenShare && !a.LastScreen.IsZero() && now.Sub(a.LastScreen) > HealthyChunkWindow:
		return false, fmt.Sprintf("Vigil has received nothing of your shared screen for %s", age(now.Sub(a.LastScreen)))
	}
	return true, ""
}

func age(d time.Duration) string {
	return d.Truncate(time.Second).String()
}
