package fleet

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Mentoring through both instances: a session the mentee confirms on each
// instance at the same moment credits its JP once.
var _ = Flow("mentoring: a session confirmed through each instance credits JP once", func(t *testing.T, f *Fleet) {
	mentor := f.NewUser(t, "mentor")
	mentee := f.Learners(t, 1)[0]
	today := time.Now().In(time.FixedZone("WIB", 7*3600))
	m := f.Proxy.Must(t, 201, "POST", "/api/v1/mentorships", f.Admin, map[string]any{"mentor": mentor.NIP, "mentee": mentee.NIP,
		"goal": "Mempercepat layanan loket", "starts": today.Format(time.DateOnly), "ends": today.AddDate(0, 3, 0).Format(time.DateOnly)})
	id := m["id"].(string)
	s := f.Proxy.Must(t, 201, "POST", "/api/v1/mentorships/"+id+"/sessions", mentor, map[string]any{
		"date": today.Format(time.DateOnly), "minutes": 90, "notes": "Membahas alur antrean."})
	sid := s["id"].(string)

	var wg sync.WaitGroup
	credited := make([]any, 2)
	for i, in := range f.Instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := in.Client.Do(context.Background(), "POST", "/api/v1/mentorships/"+id+"/sessions/"+sid+"/confirm",
				Req{Token: mentee.Token, IP: mentee.IP})
			if err != nil || res.Status != 200 {
				t.Errorf("confirm through %s: %v %d %.200s", in.Name, err, res.Status, res.Body)
				return
			}
			credited[i] = res.JSON()["credited"]
		}()
	}
	wg.Wait()
	jp := f.Proxy.Must(t, 200, "GET", fmt.Sprintf("/api/v1/me/jp?year=%d", today.Year()), mentee, nil)
	total, entries := 0.0, 0
	for _, e := range jp["entries"].([]any) {
		e := e.(map[string]any)
		if e["source"] == "mentoring" {
			total += e["jp"].(float64)
			entries++
		}
	}
	// 90 minutes at 45 minutes a JP.
	if total != 2 || entries != 1 {
		t.Fatalf("mentoring JP %v in %d entries, want 2 in 1 (confirm answers: %v)", total, entries, credited)
	}
	t.Logf("confirmed through both instances: credited %v; ledger %v JP", credited, total)
})
