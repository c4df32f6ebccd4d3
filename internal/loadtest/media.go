package loadtest

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"vigil/internal/analysis/voice"
	"vigil/media"
)

// mediaSet is what every student sends (shared, read-only): real webcam
// frames, real speech, a real recorded WebM cut where the recorder would
// have cut it, and identity photos.
type mediaSet struct {
	frames [][]byte // a continuous take at one frame per second, looped
	audio  []byte   // 5 s of μ-law at 8 kHz, real speech
	// video is the WebM's chunks: video[0] carries the header and the
	// first 10 s; later chunks are the following clusters. A student's
	// chunk n is video[0] when n is 0, else video[1+(n-1)%(len-1)].
	video [][]byte
	photo []byte // the onboarding face photo
}

// webmFile is a 30-second VP8 webcam recording with a cluster every 10 s,
// as MediaRecorder with a 10-second timeslice makes (media/SOURCES.md).
const webmFile = "video/eyes_left_right_30s.webm"

func loadMedia() (*mediaSet, error) {
	m := &mediaSet{}
	names, err := fs.Glob(media.FS, "frames/eyes_center5_left5_center5/*_320.jpg")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("loadtest: no frames in the media (%v)", err)
	}
	slices.Sort(names)
	for _, name := range names {
		b, err := media.FS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m.frames = append(m.frames, b)
	}
	wav, err := media.FS.ReadFile("audio/speech_jfk_16k.wav")
	if err != nil {
		return nil, err
	}
	samples, rate, err := voice.DecodeWAV(wav)
	if err != nil {
		return nil, err
	}
	pcm := voice.Resample(samples, rate, 8000)
	m.audio = voice.EncodeMuLaw(pcm[:min(len(pcm), 5*8000)])
	webm, err := media.FS.ReadFile(webmFile)
	if err != nil {
		return nil, err
	}
	if m.video, err = splitClusters(webm); err != nil {
		return nil, fmt.Errorf("loadtest: %s: %w", webmFile, err)
	}
	if len(m.video) < 2 {
		return nil, fmt.Errorf("loadtest: %s has %d clusters, want at least 2", webmFile, len(m.video))
	}
	if m.photo, err = media.FS.ReadFile("webcam320/biden_headshoulders.jpg"); err != nil {
		return nil, err
	}
	return m, nil
}

// chunk returns a stream's chunk number n.
func (m *mediaSet) chunk(n int64) []byte {
	if n == 0 {
		return m.video[0]
	}
	return m.video[1+int((n-1)%int64(len(m.video)-1))]
}

// EBML element IDs (with their length markers, as they appear in the file).
const (
	idSegment = 0x18538067
	idCluster = 0x1F43B675
)

// splitClusters cuts a WebM into the pieces a MediaRecorder emits: the
// header up to the end of the first cluster, then one piece per cluster.
func splitClusters(b []byte) ([][]byte, error) {
	// The EBML header, then the Segment, whose children are walked.
	_, hdrSize, n, err := element(b)
	if err != nil {
		return nil, err
	}
	pos := n + int(hdrSize)
	id, _, n, err := element(b[pos:])
	if err != nil {
		return nil, err
	}
	if id != idSegment {
		return nil, fmt.Errorf("no Segment after the EBML header (found %#x)", id)
	}
	pos += n // the Segment's size may be "unknown": walk to the end of the file
	var starts []int
	for pos < len(b) {
		id, size, n, err := element(b[pos:])
		if err != nil {
			return nil, err
		}
		if id == idCluster {
			starts = append(starts, pos)
		}
		pos += n + int(size)
	}
	if len(starts) == 0 {
		return nil, errors.New("no clusters")
	}
	var out [][]byte
	ends := append(starts[1:], len(b))
	out = append(out, b[:ends[0]])
	for i := 1; i < len(starts); i++ {
		out = append(out, b[starts[i]:ends[i]])
	}
	return out, nil
}

// element reads an element's ID and size; n is the length of both.
func element(b []byte) (id uint64, size uint64, n int, err error) {
	id, idLen, err := vint(b, true)
	if err != nil {
		return 0, 0, 0, err
	}
	size, sizeLen, err := vint(b[idLen:], false)
	if err != nil {
		return 0, 0, 0, err
	}
	if size > uint64(len(b)) {
		size = uint64(len(b) - idLen - sizeLen) // unknown or oversize: to the end
	}
	return id, size, idLen + sizeLen, nil
}

// vint reads an EBML variable-length integer; an ID keeps its marker bit.
func vint(b []byte, keepMarker bool) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, errors.New("truncated element")
	}
	l := 1
	for mask := byte(0x80); l <= 8 && b[0]&mask == 0; mask >>= 1 {
		l++
	}
	if l > 8 || len(b) < l {
		return 0, 0, errors.New("bad element header")
	}
	v := uint64(b[0])
	if !keepMarker {
		v &= uint64(0xFF >> l)
	}
	for i := 1; i < l; i++ {
		v = v<<8 | uint64(b[i])
	}
	if !keepMarker && v == (1<<(7*l))-1 {
		return ^uint64(0), l, nil // all ones: size unknown
	}
	return v, l, nil
}
