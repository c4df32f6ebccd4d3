package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/proctor"
)

// apiPostUploads takes several of the session's uploads in one request
// (docs/API.md, "Several uploads in one request"): a multipart/form-data
// body, one part per upload, named by its own endpoint's path
// ("frames/12"), with that endpoint's Content-Type and X-Capture-Time
// (and X-Duration-Ms) as the part's headers. The answer lists each
// item's acknowledgement in order, up to and including the first one
// refused; when the first item is refused, the answer is its refusal.
func (s *Server) apiPostUploads(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	if err := requireType(r, "multipart/form-data"); err != nil {
		s.apiError(w, r, err)
		return
	}
	limits := s.Ingest.Limits()
	if r.ContentLength > limits.MaxBatchBytes {
		s.apiError(w, r, proctor.E(proctor.CodeTooLarge, "the body is %d bytes; the limit here is %d", r.ContentLength, limits.MaxBatchBytes))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limits.MaxBatchBytes)
	items, bad := readBatch(r)
	if len(items) == 0 {
		if bad.Err == nil {
			bad.Err = proctor.E(proctor.CodeInvalid, "the batch holds no uploads")
		}
		s.apiError(w, r, bad.Err)
		return
	}
	results := s.Ingest.PutBatch(r.Context(), sess, items)
	if results[0].Err != nil {
		s.apiError(w, r, results[0].Err)
		return
	}
	if bad.Err != nil && len(results) == len(items) && results[len(results)-1].Err == nil {
		results = append(results, bad)
	}
	answer := make([]map[string]any, len(results))
	for i, res := range results {
		answer[i] = map[string]any{"path": res.Path}
		if res.Err != nil {
			status, body := s.apiErrorBody(r, res.Err)
			body["status"] = status
			answer[i]["error"] = body
		} else {
			answer[i]["ack"] = res.Ack
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": answer})
}

// readBatch reads a batch's parts in order until the end or the first
// part that cannot be read, which it returns as the refusal of that item.
func readBatch(r *http.Request) ([]ingest.BatchItem, ingest.BatchResult) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, ingest.BatchResult{Err: proctor.E(proctor.CodeInvalid, "the body is not multipart: %v", err)}
	}
	var items []ingest.BatchItem
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return items, ingest.BatchResult{}
		}
		if err != nil {
			return items, ingest.BatchResult{Err: bodyError(err)}
		}
		if len(items) == ingest.MaxBatchItems {
			return items, ingest.BatchResult{Path: part.FormName(),
				Err: proctor.E(proctor.CodeTooLarge, "a batch holds at most %d uploads; send the rest in another", ingest.MaxBatchItems)}
		}
		it, err := batchItem(part)
		if err != nil {
			return items, ingest.BatchResult{Path: part.FormName(), Err: err}
		}
		items = append(items, it)
	}
}

// batchItem reads one part: its path, headers and content.
func batchItem(part *multipart.Part) (ingest.BatchItem, error) {
	it := ingest.BatchItem{Path: part.FormName(), ContentType: part.Header.Get("Content-Type")}
	if v := part.Header.Get("X-Capture-Time"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return it, proctor.E(proctor.CodeBadTimestamp, "%s: X-Capture-Time must be an RFC 3339 time, not %q", it.Path, v)
		}
		it.CapturedAt = t
	}
	if v := part.Header.Get("X-Duration-Ms"); v != "" {
		d, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return it, proctor.E(proctor.CodeInvalid, "%s: X-Duration-Ms must give the chunk's length in milliseconds", it.Path)
		}
		it.DurationMS = d
	}
	data, err := io.ReadAll(part)
	if err != nil {
		return it, bodyError(err)
	}
	it.Data = data
	return it, nil
}

// bodyError says why a body could not be read: over the limit, or broken.
func bodyError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return proctor.E(proctor.CodeTooLarge, "the body is over the limit of a batch")
	}
	return proctor.E(proctor.CodeInvalid, "the body could not be read: %v", err)
}
