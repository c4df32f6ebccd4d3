package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
)

// checkLiveAcrossNodes: a student uploads to one web node and an
// administrator's live page is open on the other: the flag in the
// upload reaches that page (through PostgreSQL's NOTIFY), within 10 s.
func checkLiveAcrossNodes(t *testing.T, st *sqlstore.Store, uploadTo, watchOn, link string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := &proctor.User{Email: "live-admin@example.edu", Name: "Live Admin", Role: proctor.RoleAdmin}
	must(t, st.CreateUser(ctx, admin, ""))
	tok, hash := auth.NewToken()
	must(t, st.CreateWebSession(ctx, &store.WebSession{TokenHash: hash, UserID: admin.ID, CSRFToken: "x",
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}))

	body, _ := json.Marshal(map[string]any{"link": link, "started_at": time.Now().UTC().Add(-time.Minute)})
	res, err := http.Post(uploadTo+"/api/v1/sessions", "application/json", bytes.NewReader(body))
	must(t, err)
	var started struct {
		ID    int64  `json:"session_id"`
		Token string `json:"token"`
	}
	json.NewDecoder(res.Body).Decode(&started)
	res.Body.Close()
	sess, err := st.GetSession(ctx, started.ID)
	must(t, err)

	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/exams/%d/live/events?known=", watchOn, sess.ExamID), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.AddCookie(&http.Cookie{Name: "vigil_session", Value: tok})
	stream, err := http.DefaultClient.Do(req)
	must(t, err)
	defer stream.Body.Close()
	if stream.StatusCode != 200 {
		t.Fatalf("live stream on the other node: %d", stream.StatusCode)
	}
	flags := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "event: ") {
				event = strings.TrimPrefix(line, "event: ")
			} else if strings.HasPrefix(line, "data: ") && event == "flag" {
				flags <- strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	// The other node's listener may still be connecting: upload a batch
	// every half second until one arrives.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for batch := 0; ; {
		select {
		case d := <-flags:
			if !strings.Contains(d, fmt.Sprintf(`"session":%d`, started.ID)) || !strings.Contains(d, "online_aid") {
				t.Fatalf("flag on the other node: %s", d)
			}
			return
		case <-tick.C:
			events := fmt.Sprintf(`{"events":[{"kind":"visibility_hidden","at":%q}]}`, time.Now().UTC().Format(time.RFC3339Nano))
			req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/sessions/%d/events/%d", uploadTo, started.ID, batch), strings.NewReader(events))
			req.Header.Set("Authorization", "Bearer "+started.Token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("events batch %d: %d", batch, res.StatusCode)
			}
			batch++
		case <-deadline:
			t.Fatal("no flag reached the live page on the other node within 10 s")
		}
	}
}
