package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// BenchmarkEventCheckinBurst: 500 registered attendees check in with the
// code on the organiser's screen (`POST /api/v1/events/{id}/attendance`,
// each with its own bearer token), due evenly over 10 s, latency counted
// from when due; harsher than the 60 s the goal allows. The screen is a
// loop reading `GET /api/v1/events/{id}/checkin-code` every second, as
// the check-in page does, and each attendee sends the code it last
// showed, so the burst crosses code changes as a real one would. Then
// the organiser's sheet is read back: every attendee present, none lost,
// and (a one-day event) each credited. Goal: 0 lost, p99 ≤ 100 ms.
func BenchmarkEventCheckinBurst(b *testing.B) {
	const attendees = 500
	const over = 10 * time.Second
	srv := startServer(b, "checkin")
	defer srv.stop()
	hc := newClient(attendees)
	tr := token(b, hc, srv.Base, trainerNIP)
	// Check-in opens an hour before the start.
	start := time.Now().Add(20 * time.Minute).Truncate(time.Minute)
	ev := call(b, hc, "POST", srv.Base+"/api/v1/events", tr, map[string]any{"title": "Lokakarya Bench", "kind": "workshop", "mode": "offline",
		"place": "Aula", "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * time.Hour).Format(time.RFC3339), "capacity": attendees, "jp": 3}, 201)
	id := str(b, ev, "id")
	tokens := seedEventLearners(b, srv, attendees, func(ctx context.Context, svc *content.Service) error {
		for i := range attendees {
			if _, err := svc.SeedRegistration(ctx, id, benchNIP(i), content.RegRegistered); err != nil {
				return fmt.Errorf("seed registration %d: %w", i, err)
			}
		}
		return nil
	})

	// The organiser's screen.
	var code atomic.Pointer[string]
	codes := map[string]bool{}
	show := func() {
		c := str(b, call(b, hc, "GET", srv.Base+"/api/v1/events/"+id+"/checkin-code", tr, nil, 200), "code")
		code.Store(&c)
		codes[c] = true
	}
	show()
	stop := make(chan struct{})
	screen := make(chan struct{})
	go func() {
		defer close(screen)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				show()
			}
		}
	}()

	url := srv.Base + "/api/v1/events/" + id + "/attendance"
	b.ResetTimer()
	res := runLoadAt(attendees, attendees, attendees/over.Seconds(), over+30*time.Second, func(ctx context.Context, i int) (int64, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(`{"code":"`+*code.Load()+`"}`))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tokens[i])
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
		if res.StatusCode != 201 {
			return 0, fmt.Errorf("status %d: %s", res.StatusCode, body)
		}
		return int64(len(body)), nil
	})
	b.StopTimer()
	close(stop)
	<-screen

	sheet := call(b, hc, "GET", srv.Base+"/api/v1/events/"+id+"/attendance", tr, nil, 200)
	present, credited := 0, int(sheet["credited"].(float64))
	for _, it := range sheet["items"].([]any) {
		if p, _ := it.(map[string]any)["present"].([]any); len(p) > 0 {
			present++
		}
	}
	lost := attendees - present
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(credited), "credited")
	b.ReportMetric(float64(res.errs), "errors")
	b.ReportMetric(res.pct(50), "p50_ms")
	b.ReportMetric(res.pct(99), "p99_ms")
	b.ReportMetric(float64(len(codes)), "codes_shown")
	first := ""
	if res.firstErr != nil {
		first = strings.TrimSpace(res.firstErr.Error())
	}
	b.Logf("%d check-ins in %v across %d codes: %d present, %d lost, %d credited, %d errors (%s); p50 %.1f ms, p99 %.1f ms; load %s",
		len(res.lat), res.wall.Round(time.Millisecond), len(codes), present, lost, credited, res.errs, first, res.pct(50), res.pct(99), loadAvg())
	if lost != 0 || res.errs != 0 || credited != attendees {
		b.Errorf("lost %d, errors %d, credited %d (want 0, 0, %d)", lost, res.errs, credited, attendees)
	}
}
