package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/metrics"
	"vigil/internal/proctor"
)

// api wraps a handler of the proctoring window's own: it authenticates the
// session token against the session in the URL before the body is read.
func (s *Server) api(h func(http.ResponseWriter, *http.Request, *proctor.Session)) http.HandlerFunc {
	return s.apiAs([]string{proctor.SourceBrowser}, func(w http.ResponseWriter, r *http.Request, sess *proctor.Session, _ string) {
		h(w, r, sess)
	})
}

// apiAs wraps a handler that tokens of the given sources may call (a
// companion's token opens only its own endpoints); the handler learns
// which source called.
func (s *Server) apiAs(sources []string, h func(http.ResponseWriter, *http.Request, *proctor.Session, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		sess, source, err := s.Ingest.Authenticate(r.Context(), id, bearer(r), sources...)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if metrics.UploadKind(r) != "" {
			if why := s.storage.lowSpace(); why != "" {
				s.apiError(w, r, errStorageFull.Wrap(errors.New(why)))
				return
			}
		}
		h(w, r, sess, source)
	}
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// readBody reads at most limit bytes, answering an oversize body with 413
// before anything is stored.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, proctor.E(proctor.CodeTooLarge, "the body is %d bytes; the limit here is %d", r.ContentLength, limit)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, proctor.E(proctor.CodeTooLarge, "the body is over the limit of %d bytes", limit)
	}
	if err != nil {
		return nil, proctor.E(proctor.CodeInvalid, "the body could not be read: %v", err)
	}
	return data, nil
}

// requireType checks the Content-Type's media type.
func requireType(r *http.Request, want ...string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	for _, w := range want {
		if err == nil && mt == w {
			return nil
		}
	}
	return proctor.E(proctor.CodeUnsupportedMedia, "Content-Type must be %s", strings.Join(want, " or "))
}

// captureTime reads the capture time from the X-Capture-Time header.
func captureTime(r *http.Request) (time.Time, error) {
	v := r.Header.Get("X-Capture-Time")
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, proctor.E(proctor.CodeBadTimestamp, "X-Capture-Time must be an RFC 3339 time, not %q", v)
	}
	return t, nil
}

func pathSeq(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v < 0 || v > 1<<40 {
		return 0, proctor.E(proctor.CodeInvalid, "%s must be a whole number from 0, not %q", name, r.PathValue(name))
	}
	return v, nil
}

type startRequest struct {
	Link      string    `json:"link"`
	StartedAt time.Time `json:"started_at"`
}

type startResponse struct {
	SessionID int64         `json:"session_id"`
	Token     string        `json:"token"`
	Attempt   int           `json:"attempt"`
	Resumed   bool          `json:"resumed"`
	Exam      string        `json:"exam"`
	Student   string        `json:"student"`
	Status    ingest.Status `json:"status"`
}

// apiStart starts or resumes a session from a session link token.
func (s *Server) apiStart(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if err := s.decodeJSON(w, r, &req, 16<<10); err != nil {
		s.apiError(w, r, err)
		return
	}
	if req.Link == "" {
		s.apiError(w, r, proctor.E(proctor.CodeInvalid, "\"link\" (the session link's token) is required"))
		return
	}
	st, err := s.Ingest.Start(r.Context(), req.Link, req.StartedAt)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusCreated
	if st.Resumed {
		status = http.StatusOK
	}
	writeJSON(w, status, startResponse{SessionID: st.Session.ID, Token: st.Token, Attempt: st.Session.Attempt,
		Resumed: st.Resumed, Exam: st.Exam.Title, Student: st.Student.FullName(), Status: st.Status})
}

// decodeJSON reads one JSON object of at most limit bytes, refusing unknown fields.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if err := requireType(r, "application/json"); err != nil {
		return err
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' {
		return proctor.E(proctor.CodeMalformedJSON, "the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return proctor.E(proctor.CodeMalformedJSON, "the body is not the JSON object expected: %v", err)
	}
	return nil
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	st, err := s.Ingest.Status(r.Context(), sess)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiPutFrame(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	seq, err := pathSeq(r, "seq")
	var at time.Time
	if err == nil {
		at, err = captureTime(r)
	}
	if err == nil {
		err = requireType(r, "image/jpeg")
	}
	var data []byte
	if err == nil {
		data, err = readBody(w, r, s.Ingest.Limits().MaxFrameBytes)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ack, err := s.Ingest.PutFrame(r.Context(), sess, seq, at, data)
	s.writeAck(w, r, ack, err)
}

func (s *Server) writeAck(w http.ResponseWriter, r *http.Request, ack any, err error) {
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ack)
}

func (s *Server) apiPutChunk(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	in := ingest.ChunkInput{Stream: r.PathValue("stream")}
	var err error
	in.Seq, err = pathSeq(r, "seq")
	if err == nil {
		in.StartedAt, err = captureTime(r)
	}
	if err == nil {
		in.DurationMS, err = strconv.ParseInt(r.Header.Get("X-Duration-Ms"), 10, 64)
		if err != nil {
			err = proctor.E(proctor.CodeInvalid, "X-Duration-Ms must give the chunk's length in milliseconds")
		}
	}
	if err == nil {
		err = requireType(r, "video/webm")
	}
	if err == nil {
		in.Data, err = readBody(w, r, s.Ingest.Limits().MaxChunkBytes)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ack, err := s.Ingest.PutChunk(r.Context(), sess, in)
	s.writeAck(w, r, ack, err)
}

func (s *Server) apiPutEvents(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	s.putEvents(w, r, sess, proctor.SourceBrowser)
}

func (s *Server) putEvents(w http.ResponseWriter, r *http.Request, sess *proctor.Session, source string) {
	batch, err := pathSeq(r, "batch")
	if err == nil {
		err = requireType(r, "application/json")
	}
	var body []byte
	if err == nil {
		body, err = readBody(w, r, s.Ingest.Limits().MaxEventsBytes)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ack, err := s.Ingest.PutEvents(r.Context(), sess, source, batch, body)
	s.writeAck(w, r, ack, err)
}

func (s *Server) apiPutAudio(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	in := ingest.AudioInput{ContentType: r.Header.Get("Content-Type")}
	var err error
	in.Seq, err = pathSeq(r, "seq")
	if err == nil {
		in.StartedAt, err = captureTime(r)
	}
	if err == nil {
		in.Data, err = readBody(w, r, s.Ingest.Limits().MaxAudioBytes)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ack, err := s.Ingest.PutAudio(r.Context(), sess, in)
	s.writeAck(w, r, ack, err)
}

func (s *Server) apiPutPhoto(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	in := ingest.PhotoInput{Purpose: proctor.PhotoPurpose(r.PathValue("purpose")), Kind: proctor.PhotoKind(r.PathValue("kind"))}
	attempt, err := strconv.Atoi(r.PathValue("attempt"))
	if err != nil {
		err = proctor.E(proctor.CodeInvalid, "attempt must be a whole number from 1")
	}
	in.Attempt = attempt
	if err == nil {
		in.CapturedAt, err = captureTime(r)
	}
	if err == nil {
		err = requireType(r, "image/jpeg")
	}
	if err == nil {
		in.Data, err = readBody(w, r, s.Ingest.Limits().MaxPhotoBytes)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ack, err := s.Ingest.PutPhoto(r.Context(), sess, in)
	s.writeAck(w, r, ack, err)
}

func (s *Server) apiFinish(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	var in ingest.FinishInput
	if err := s.decodeJSON(w, r, &in, 16<<10); err != nil {
		s.apiError(w, r, err)
		return
	}
	ack, err := s.Ingest.Finish(r.Context(), sess, in)
	s.writeAck(w, r, ack, err)
}

// speedTestLimit bounds the upload-speed test's body.
const speedTestLimit = 1 << 20

// apiSpeedTest reads and discards a body, so the client can time its upload.
func (s *Server) apiSpeedTest(w http.ResponseWriter, r *http.Request, _ *proctor.Session) {
	n, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, speedTestLimit))
	if err != nil {
		s.apiError(w, r, proctor.E(proctor.CodeTooLarge, "the speed test sends at most %d bytes", speedTestLimit))
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"bytes": n})
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.apiError(w, r, proctor.E(proctor.CodeNotFound, "no API endpoint %s %s (see docs/API.md)", r.Method, r.URL.Path))
}
