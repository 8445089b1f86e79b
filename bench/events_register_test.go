package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// BenchmarkEventRegistrationBurst: 2,000 learners register for a 50-seat
// event within one second (`POST /api/v1/events/{id}/register`, each with
// its own bearer token, due at i/2000 s, latency counted from when due).
// Learners and their tokens are written beside the server through the
// domain service. Then the organisers' list is read back: exactly 50
// registered, the rest waitlisted, each learner's position as answered
// equal to its place in the list. Goal: 0 errors, p99 ≤ 200 ms.
func BenchmarkEventRegistrationBurst(b *testing.B) {
	const learners, seats = 2000, 50
	srv := startServer(b, "events")
	defer srv.stop()
	tokens := seedEventLearners(b, srv, learners, nil)

	hc := newClient(learners)
	tr := token(b, hc, srv.Base, trainerNIP)
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	ev := call(b, hc, "POST", srv.Base+"/api/v1/events", tr, map[string]any{"title": "Seminar Bench", "kind": "seminar", "mode": "offline",
		"place": "Aula", "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * time.Hour).Format(time.RFC3339), "capacity": seats, "jp": 2}, 201)
	id := str(b, ev, "id")
	url := srv.Base + "/api/v1/events/" + id + "/register"

	type answer struct {
		Status   string `json:"status"`
		Position int    `json:"position"`
	}
	answers := make([]answer, learners)
	b.ResetTimer()
	res := runLoadAt(learners, learners, learners, 30*time.Second, func(ctx context.Context, i int) (int64, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", url, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tokens[i])
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
		if res.StatusCode != 201 {
			return 0, fmt.Errorf("status %d: %s", res.StatusCode, body)
		}
		return int64(len(body)), json.Unmarshal(body, &answers[i])
	})
	b.StopTimer()

	list := call(b, hc, "GET", srv.Base+"/api/v1/events/"+id+"/registrations", tr, nil, 200)
	place := map[string]map[string]any{}
	registered, waitlisted := 0, 0
	for _, it := range list["items"].([]any) {
		row := it.(map[string]any)
		place[row["nip"].(string)] = row
		switch row["status"] {
		case "registered":
			registered++
		case "waitlisted":
			waitlisted++
		}
	}
	// In order: each learner's answered place is its place in the list,
	// and the list's waitlist runs in arrival (seq) order.
	outOfOrder := 0
	for i, a := range answers {
		row := place[benchNIP(i)]
		if row == nil || row["status"] != a.Status || int(row["position"].(float64)) != a.Position {
			outOfOrder++
		}
	}
	lastSeq := -1.0
	for _, it := range list["items"].([]any) {
		row := it.(map[string]any)
		if row["status"] == "waitlisted" {
			if s := row["seq"].(float64); s <= lastSeq {
				outOfOrder++
			} else {
				lastSeq = s
			}
		}
	}
	b.ReportMetric(float64(registered), "registered")
	b.ReportMetric(float64(waitlisted), "waitlisted")
	b.ReportMetric(float64(outOfOrder), "out_of_order")
	b.ReportMetric(float64(res.errs), "errors")
	b.ReportMetric(res.pct(50), "p50_ms")
	b.ReportMetric(res.pct(99), "p99_ms")
	b.ReportMetric(res.wall.Seconds(), "wall_s")
	first := ""
	if res.firstErr != nil {
		first = strings.TrimSpace(res.firstErr.Error())
	}
	b.Logf("%d registrations in %v: %d registered, %d waitlisted, %d out of order, %d errors (%s); p50 %.1f ms, p99 %.1f ms; load %s",
		len(res.lat), res.wall.Round(time.Millisecond), registered, waitlisted, outOfOrder, res.errs, first, res.pct(50), res.pct(99), loadAvg())
	if registered != seats || waitlisted != learners-seats || outOfOrder != 0 || res.errs != 0 {
		b.Errorf("registered %d (want %d), waitlisted %d (want %d), out of order %d, errors %d", registered, seats, waitlisted, learners-seats, outOfOrder, res.errs)
	}
}

// seedEventLearners adds n learners with API tokens beside the running
// server (seedLearnersIn), then runs also, if any, on a domain service
// over the same store before closing it. Learner i has NIP benchNIP(i).
func seedEventLearners(b *testing.B, srv *server, n int, also func(ctx context.Context, svc *content.Service) error) []string {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tokens, _ := seedLearnersIn(b, st, "", n, 0)
	if also != nil {
		svc, err := content.New(st, nil, content.Options{})
		if err == nil {
			err = also(ctx, svc)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	return tokens
}
