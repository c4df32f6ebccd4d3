package loadtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"vigil/internal/ingestclient"
)

// maxBatch is the server's bound on the items of one batch.
const maxBatch = 64

// playBatched sends the streams' items together, every st.batch from
// first: each request carries the items due by its scheduled time (more
// than one request when a slow server let more than maxBatch gather),
// and the next goes once it is acknowledged or at its own time, whichever
// is later. An item's latency runs from its batch's scheduled time.
func (st *student) playBatched(ctx context.Context, streams []*stream, first time.Time) error {
	sent := make([]int64, len(streams)) // per stream, the items sent and acknowledged
	for tick := first; ; tick = tick.Add(st.batch) {
		left := false
		for i, s := range streams {
			left = left || sent[i] < s.count
		}
		if !left {
			return nil
		}
		if !sleepUntil(ctx, tick) {
			return ctx.Err()
		}
		for {
			ups, owners := st.dueBatch(streams, sent, tick)
			if len(ups) == 0 {
				break
			}
			if err := st.sendBatch(ctx, tick, streams, ups, owners); err != nil {
				return err
			}
			for _, i := range owners {
				sent[i]++
			}
		}
	}
}

// dueBatch is up to maxBatch of the streams' items due at tick and not yet
// sent, oldest stream first, with the index of each one's stream.
func (st *student) dueBatch(streams []*stream, sent []int64, tick time.Time) ([]ingestclient.Upload, []int) {
	var ups []ingestclient.Upload
	var owners []int
	for i, s := range streams {
		for seq := sent[i]; seq < s.due(tick) && len(ups) < maxBatch; seq++ {
			ups = append(ups, st.upload(s.kind, seq, s.first.Add(time.Duration(seq)*s.every)))
			owners = append(owners, i)
		}
	}
	return ups, owners
}

// sendBatch sends one batch until acknowledged and records each item; an
// item refused is an error that stops the student.
func (st *student) sendBatch(ctx context.Context, tick time.Time, streams []*stream, ups []ingestclient.Upload, owners []int) error {
	var answer ingestclient.BatchAnswer
	req := ingestclient.BatchRequest(st.id, st.token, ups)
	a, err := st.send(ctx, req, &answer)
	if err != nil {
		return err
	}
	if len(answer.Results) != len(ups) {
		return fmt.Errorf("%w: a batch of %d answered with %d results", errRefused, len(ups), len(answer.Results))
	}
	for i, res := range answer.Results {
		if e := res.Refusal(); e != nil || res.Ack == nil || res.Path != ups[i].Path {
			return fmt.Errorf("%w: batch item %s: %s", errRefused, ups[i].Path, errorCode(e))
		}
		s := streams[owners[i]]
		st.stats.acked(s.kind, tick, a.took, len(ups[i].Body), res.Ack.Duplicate)
		s.hashes = append(s.hashes, sha256.Sum256(ups[i].Body))
		s.acked.Add(1)
	}
	return nil
}
