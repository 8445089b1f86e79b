package fleet

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A registration burst split across both instances never exceeds the
// event's capacity: 120 learners at once for 30 seats, every other one
// sent to each instance, gives exactly 30 seats and 90 waitlisted with
// distinct positions, nobody twice; then one cancellation promotes exactly
// one, the first waiting, who is told.
var _ = Flow("event registration burst across both instances", func(t *testing.T, f *Fleet) {
	const people, seats = 120, 30
	tr := f.NewUser(t, "trainer")
	learners := f.Learners(t, people)
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	ev := f.Proxy.Must(t, 201, "POST", "/api/v1/events", tr, map[string]any{"title": "Lokakarya Armada", "kind": "workshop", "mode": "offline",
		"place": "Aula Armada", "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(4 * time.Hour).Format(time.RFC3339), "capacity": seats, "jp": 3})
	id := ev["id"].(string)

	var errs errList
	var wg sync.WaitGroup
	answers := make([]map[string]any, people)
	for i, u := range learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.Instances[i%2].Do(context.Background(), "POST", "/api/v1/events/"+id+"/register", Req{Token: u.Token, IP: u.IP})
			if err == nil && res.Status != 201 {
				err = fmt.Errorf("status %d: %.300s", res.Status, res.Body)
			}
			if err != nil {
				errs.add("learner %d on %s: %v", i, f.Instances[i%2].Name, err)
				return
			}
			answers[i] = res.JSON()
		}()
	}
	wg.Wait()
	errs.check(t)

	registered, positions := 0, map[int]string{}
	for i, a := range answers {
		switch a["status"] {
		case "registered":
			registered++
		case "waitlisted":
			p := int(a["position"].(float64))
			if other, dup := positions[p]; dup || p < 1 || p > people-seats {
				t.Fatalf("waitlist position %d given to %s and %s (or out of range)", p, other, learners[i].NIP)
			}
			positions[p] = learners[i].NIP
		default:
			t.Fatalf("learner %d: %v", i, a)
		}
	}
	if registered != seats || len(positions) != people-seats {
		t.Fatalf("%d registered and %d waitlisted, want %d and %d", registered, len(positions), seats, people-seats)
	}
	list := func() (reg, wait []string) {
		seen := map[string]bool{}
		for _, it := range f.Proxy.Must(t, 200, "GET", "/api/v1/events/"+id+"/registrations", tr, nil)["items"].([]any) {
			row := it.(map[string]any)
			nip := row["nip"].(string)
			if seen[nip] {
				t.Fatalf("%s listed twice", nip)
			}
			seen[nip] = true
			if row["status"] == "registered" {
				reg = append(reg, nip)
			} else {
				wait = append(wait, nip)
			}
		}
		return reg, wait
	}
	reg, wait := list()
	if len(reg) != seats || len(wait) != people-seats {
		t.Fatalf("the list holds %d registered and %d waitlisted", len(reg), len(wait))
	}
	for p, nip := range wait {
		if positions[p+1] != nip {
			t.Fatalf("waitlist %d is %s in the list, %s was told", p+1, nip, positions[p+1])
		}
	}

	// One cancellation, through the other instance than its registration.
	var leaver User
	for i, u := range learners {
		if answers[i]["status"] == "registered" {
			leaver = u
			f.Instances[(i+1)%2].Must(t, 200, "DELETE", "/api/v1/events/"+id+"/register", u, nil)
			break
		}
	}
	reg2, wait2 := list()
	if len(reg2) != seats || len(wait2) != people-seats-1 || reg2[len(reg2)-1] != wait[0] {
		t.Fatalf("after %s cancelled: %d registered, %d waiting, last seat %s (want %s)", leaver.NIP, len(reg2), len(wait2), reg2[len(reg2)-1], wait[0])
	}
	for _, u := range learners {
		if u.NIP != wait[0] {
			continue
		}
		n := f.Proxy.Must(t, 200, "GET", "/api/v1/notifications", u, nil)
		told := 0
		for _, it := range n["items"].([]any) {
			if it.(map[string]any)["kind"] == "event.promoted" {
				told++
			}
		}
		if told != 1 {
			t.Fatalf("the promoted learner was told %d times", told)
		}
	}
})
