package fleet

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// Event reminders through both instances, each running the pass every
// 2 s: a day before and an hour before, each registered person with an
// address gets each email exactly once (no Message-ID twice) and each
// in-app notice once; the waitlisted get nothing; the one who turned
// reminder email off gets the notices in the app only.
//
// Times are chosen, not advanced (the instances run on the real clock):
// event A starts in a day and 25 s, so its day-before reminder falls due
// 25 s in; event B starts in an hour and 25 s, inside the day-before
// window already (so that reminder goes at once) and its hour-before one
// 25 s in.
var _ = Flow("events: day- and hour-before reminders, each once", func(t *testing.T, f *Fleet) {
	tr := f.NewUser(t, "trainer")
	people := f.NewUsers(t, 4, "learner")
	mailOf := func(u User) string { return "acara." + u.NIP + "@kotalama.go.id" }
	for _, u := range people {
		f.Proxy.Must(t, 200, "PATCH", "/api/v1/users/"+u.NIP, f.Admin, map[string]any{"email": mailOf(u)})
	}
	quiet := people[2]
	f.Proxy.Must(t, 200, "PUT", "/api/v1/me/notification-settings", quiet, map[string]any{"email_reminders": false})

	now := time.Now().UTC()
	mk := func(title string, starts time.Time) string {
		ev := f.Proxy.Must(t, 201, "POST", "/api/v1/events", tr, map[string]any{"title": title, "kind": "seminar", "mode": "blended",
			"place": "Aula Balai Kota", "online_url": "https://meet.example/" + strings.ToLower(strings.Fields(title)[1]), "capacity": 3, "jp": 2,
			"starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(2 * time.Hour).Format(time.RFC3339)})
		return ev["id"].(string)
	}
	// Times in whole minutes (the API keeps minutes), rounded up so the
	// lead is at least the 25 s the comment above says.
	lead := func(d time.Duration) time.Time {
		return now.Add(d + 25*time.Second).Truncate(time.Minute).Add(time.Minute)
	}
	evA, evB := mk("Seminar Armada", lead(24*time.Hour)), mk("Lokakarya Bahari", lead(time.Hour))
	// Three seats: the fourth person waits.
	statuses := map[string]string{}
	for _, ev := range []string{evA, evB} {
		for _, u := range people {
			statuses[ev+"/"+u.NIP] = register(t, f, ev, u)
		}
	}
	waiting := people[3]
	if statuses[evA+"/"+waiting.NIP] != content.RegWaitlisted || statuses[evB+"/"+people[0].NIP] != content.RegRegistered {
		t.Fatalf("registrations: %v", statuses)
	}
	reminded := []User{people[0], people[1]} // by email; quiet in the app only
	want := 3 * len(reminded)                // A day, B day, B hour

	mine := func() (map[string][]string, map[string]int) {
		subs, ids := map[string][]string{}, map[string]int{}
		for _, m := range f.Mail.Messages() {
			for _, to := range m.To {
				if strings.HasPrefix(to.Address, "acara.") {
					subs[to.Address] = append(subs[to.Address], m.Subject)
					ids[m.MessageID]++
				}
			}
		}
		return subs, ids
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		subs, _ := mine()
		total := 0
		for _, s := range subs {
			total += len(s)
		}
		if total >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	// Several more passes and mail rounds on both instances: nothing new.
	time.Sleep(12 * time.Second)
	subs, ids := mine()
	for id, n := range ids {
		if n > 1 {
			t.Errorf("message %s sent %d times", id, n)
		}
	}
	for _, u := range reminded {
		got := subs[mailOf(u)]
		var day, hour int
		for _, s := range got {
			switch {
			case strings.HasPrefix(s, "Pengingat kegiatan: «Seminar Armada»"), strings.HasPrefix(s, "Pengingat kegiatan: «Lokakarya Bahari»"):
				day++
			case strings.HasPrefix(s, "Satu jam lagi: «Lokakarya Bahari»"):
				hour++
			}
			if !strings.Contains(s, "Aula Balai Kota") || strings.Contains(s, "%!") {
				t.Errorf("subject %q", s)
			}
		}
		if len(got) != 3 || day != 2 || hour != 1 {
			t.Errorf("%s: %d emails (%d day, %d hour), want 3 (2, 1): %q", u.NIP, len(got), day, hour, got)
		}
	}
	for _, u := range []User{quiet, waiting} {
		if n := len(subs[mailOf(u)]); n != 0 {
			t.Errorf("%s got %d emails, want none: %q", u.NIP, n, subs[mailOf(u)])
		}
	}
	// In the app: three notices each for the registered, the quiet one
	// included; none for the one waiting.
	for _, u := range people {
		n := f.Proxy.Must(t, 200, "GET", "/api/v1/notifications", u, nil)
		count := 0
		for _, it := range n["items"].([]any) {
			if k := it.(map[string]any)["kind"].(string); k == content.KindEventDay || k == content.KindEventHour {
				count++
			}
		}
		want := 3
		if u.NIP == waiting.NIP {
			want = 0
		}
		if count != want {
			t.Errorf("%s: %d event notices in the app, want %d", u.NIP, count, want)
		}
	}
	t.Logf("%d emails to %d people, e.g. %q", want, len(reminded), subs[mailOf(reminded[0])])
})

// register puts u on the event through the API, either instance.
func register(t *testing.T, f *Fleet, ev string, u User) string {
	t.Helper()
	res, err := f.Proxy.Do(context.Background(), "POST", "/api/v1/events/"+ev+"/register", Req{Token: u.Token, IP: u.IP})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 201 && res.Status != 200 {
		t.Fatalf("register %s: %d %.300s", u.NIP, res.Status, res.Body)
	}
	return fmt.Sprint(res.JSON()["status"])
}
