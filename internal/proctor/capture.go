package proctor

import (
	"fmt"
	"time"
)

// Frame is one webcam still uploaded during the exam.
type Frame struct {
	SessionID  int64
	Seq        int64     // 0, 1, 2, … without gaps
	CapturedAt time.Time // client clock
	BlobKey    string
	// Packed: BlobKey names a pack, the object a batch's frames, audio and
	// video are stored in one after another, and the JPEG is the Size bytes from
	// Offset. Otherwise the object is the JPEG (Offset 0).
	Packed     bool
	Offset     int64
	SHA256     string // hex of the JPEG bytes; a retry with the same hash is a duplicate
	Size       int64
	Width      int
	Height     int
	ReceivedAt time.Time
}

// VideoChunk is one piece of the MediaRecorder WebM stream. Chunks in
// sequence order concatenate to playable files, one per segment.
type VideoChunk struct {
	SessionID  int64
	Stream     string // "webcam" or "screen"
	Seq        int64
	StartedAt  time.Time // client clock, start of the chunk's media
	DurationMS int64
	BlobKey    string
	// Packed and Offset: as a Frame's (a batch's pack holds both).
	Packed     bool
	Offset     int64
	SHA256     string
	Size       int64
	ReceivedAt time.Time
	// OpensSegment: the chunk starts a new WebM file (it carries the
	// header). A recording resumed after a reload opens a new segment.
	OpensSegment bool
}

// Segments splits a stream's chunks (in sequence order) into its WebM
// files: each starts at a chunk that opens a segment. Chunks before the
// first opener (none, when ingest did its job) form no segment.
func Segments(chunks []VideoChunk) [][]VideoChunk {
	var segs [][]VideoChunk
	for i, c := range chunks {
		if c.OpensSegment {
			segs = append(segs, chunks[i:i+1:i+1])
		} else if len(segs) > 0 {
			segs[len(segs)-1] = append(segs[len(segs)-1], c)
		}
	}
	return segs
}

// Video streams.
const (
	StreamWebcam = "webcam"
	StreamScreen = "screen"
)

// PhotoKind is what a verification or onboarding photo shows.
type PhotoKind string

// Photo kinds.
const (
	PhotoFace PhotoKind = "face"
	PhotoID   PhotoKind = "id"
	PhotoRoom PhotoKind = "room"
)

// Valid reports whether k is a known kind.
func (k PhotoKind) Valid() bool { return k == PhotoFace || k == PhotoID || k == PhotoRoom }

// Label is the kind as shown.
func (k PhotoKind) Label() string {
	switch k {
	case PhotoFace:
		return "Face"
	case PhotoID:
		return "Photo ID"
	case PhotoRoom:
		return "Room"
	}
	return string(k)
}

// PhotoPurpose says whether a photo belongs to the once-per-student
// onboarding profile or to this exam's verification scans.
type PhotoPurpose string

// Photo purposes.
const (
	PurposeOnboarding   PhotoPurpose = "onboarding"
	PurposeVerification PhotoPurpose = "verification"
)

// Valid reports whether p is a known purpose.
func (p PhotoPurpose) Valid() bool { return p == PurposeOnboarding || p == PurposeVerification }

// Photo is one attempt at an identity photo, kept whether it passed or not.
type Photo struct {
	ID        int64
	SessionID int64
	StudentID int64
	Purpose   PhotoPurpose
	Kind      PhotoKind
	Attempt   int
	BlobKey   string
	SHA256    string
	Size      int64
	Passed    bool
	// Reason says why it failed (or what was found) in words a student
	// understands: "no face found", "two faces", "too dark".
	Reason     string
	Faces      int
	MeanLuma   float64
	CapturedAt time.Time
	ReceivedAt time.Time
	// Identity is what comparing the photo's face with the student's
	// onboarding face photo found, Similarity the score (when compared)
	// and ReferenceID that onboarding photo. Face and ID photos that
	// passed their check are compared, in the background.
	Identity    IdentityMatch
	Similarity  float64
	ReferenceID int64
}

// IdentityMatch is what comparing a face with the student's onboarding
// face photo found.
type IdentityMatch string

// Identity results. The empty value means "not compared": room photos,
// photos that failed their check, the onboarding face photo itself,
// webcam frames between samples.
const (
	MatchNone        IdentityMatch = ""
	MatchPending     IdentityMatch = "pending" // waiting for the analysis
	MatchSame        IdentityMatch = "same"
	MatchDifferent   IdentityMatch = "different"
	MatchNoFace      IdentityMatch = "no_face"      // no face to compare on this picture
	MatchNoReference IdentityMatch = "no_reference" // no onboarding face photo to compare with
	// MatchUnreadable: the picture could not be read from storage or decoded.
	MatchUnreadable IdentityMatch = "unreadable"
)

// Valid reports whether m is a known result.
func (m IdentityMatch) Valid() bool {
	switch m {
	case MatchNone, MatchPending, MatchSame, MatchDifferent, MatchNoFace, MatchNoReference, MatchUnreadable:
		return true
	}
	return false
}

// Compared reports whether a similarity was computed.
func (m IdentityMatch) Compared() bool { return m == MatchSame || m == MatchDifferent }

// IdentityText says in plain words what the comparison of a photo with
// the onboarding photo found: "Same person (similarity 0.71)".
func (p *Photo) IdentityText() string {
	switch p.Identity {
	case MatchSame:
		return fmt.Sprintf("Same person (similarity %.2f)", p.Similarity)
	case MatchDifferent:
		return fmt.Sprintf("Different person (similarity %.2f)", p.Similarity)
	case MatchNoFace:
		return "No face found"
	case MatchNoReference:
		return "Not compared: no onboarding face photo to compare with"
	case MatchPending:
		return "Being compared with the onboarding photo"
	case MatchUnreadable:
		return "Not compared: the photo could not be read"
	}
	return ""
}

// Onboarded reports whether onboarding photos (in the order taken) hold a
// passing face photo and a passing photo ID, and the photo that completed
// them.
func Onboarded(photos []Photo) (bool, *Photo) {
	var face, id bool
	for i := range photos {
		p := &photos[i]
		if p.Purpose != PurposeOnboarding || !p.Passed {
			continue
		}
		face = face || p.Kind == PhotoFace
		id = id || p.Kind == PhotoID
		if face && id {
			return true, p
		}
	}
	return false, nil
}

// FrameSignal is what the detectors found in one frame. Rules read signals,
// never pixels, so re-deciding after a settings change needs no detector run.
type FrameSignal struct {
	SessionID  int64
	Seq        int64
	CapturedAt time.Time
	// OK is false when the frame could not be analysed; Error says why.
	OK    bool
	Error string
	Faces int
	// Boxes are the faces found, in frame pixels.
	Boxes    []FaceBox
	MeanLuma float64
	// Reused is true when the picture had not changed since the previous
	// frame and its face detection was carried over instead of re-run.
	Reused bool
	// Motion is the fraction of the background (outside the student) that
	// changed since the previous frame, 0–1; -1 when it could not be told
	// (first frame, covered camera, nothing to compare).
	Motion float64
	// Pose of the one face, when there is exactly one and it could be read.
	PoseOK bool
	Yaw    float64 // head turn, inter-ocular units; the rules compare it with the student's own baseline
	GazeX  float64 // pupils' horizontal offset, inter-ocular units
	GazeY  float64
	// Identity is set on the sampled frames whose one face was compared
	// with the student's onboarding photo (MatchSame or MatchDifferent),
	// with the Similarity; MatchNone on every other frame.
	Identity   IdentityMatch
	Similarity float64
}

// FaceBox is one detected face.
type FaceBox struct {
	X, Y, W, H float32
	Score      float32
	// Head is the head pose the pose model read for this face; nil when it
	// was not estimated (more than one face, or signals stored before the
	// model was added). Stored with the boxes, so it needs no column.
	Head *HeadPose `json:",omitempty"`
	// Change is how much the picture changed inside the box since the
	// previous frame, in multiples of the camera's noise in that frame (the
	// still room's change; about 1 for something that did not move); nil
	// when it could not be told (first frame, a flat frame, a size change).
	// A live face changes from second to second; a picture of one does not
	// (docs/DETECTION.md, "Live people").
	Change *float32 `json:",omitempty"`
}

// HeadPose is a head's orientation in degrees, in the picture as the camera
// delivers it: Yaw > 0 when the nose points towards the image's left (the
// student turns to their own right), Pitch > 0 when the nose points down,
// Roll > 0 when the face is turned counter-clockwise in the picture.
type HeadPose struct {
	Yaw, Pitch, Roll float64
}

// AudioChunk is a stretch of microphone audio. Clients may leave out
// silence, so chunks need not be contiguous in time.
type AudioChunk struct {
	SessionID  int64
	Seq        int64
	StartedAt  time.Time // client clock
	DurationMS int64
	// Format is the content type it was sent as: audio/basic (G.711 μ-law,
	// 8 kHz) or audio/L16;rate=8000 or 16000 (docs/API.md).
	Format  string
	BlobKey string
	// Packed and Offset: as a Frame's (a batch's pack holds both).
	Packed     bool
	Offset     int64
	SHA256     string
	Size       int64
	ReceivedAt time.Time
}

// AudioSignal is what the voice detector found in one window of audio.
type AudioSignal struct {
	SessionID int64
	ChunkSeq  int64
	Start     time.Time
	DurMS     int64
	Speech    float64 // speech probability, 0–1
	RMSdB     float64 // level of the whole window, dBFS
	MaxdB     float64 // level of its loudest 16 ms, dBFS
	// FloordB is the level the window stays above 90 % of the time: near
	// RMSdB for sustained sound, down at the room tone for typing.
	FloordB float64
}
