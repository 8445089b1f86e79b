package fleet

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The programme through both instances: units, a CSV import of people
// with email, an assignment to a unit tree, and the reminder pass running
// on both. Each email reaches the local SMTP server (mailpit) exactly
// once: the activation link, the new assignment, the 7-day reminder.
var _ = Flow("programme: import, assignment to a unit, reminders, each email once", func(t *testing.T, f *Fleet) {
	const people = 12
	admin := f.Admin
	f.Proxy.Must(t, 200, "PUT", "/api/v1/units/ARMADA", admin, map[string]any{"name": "Dinas Armada"})
	f.Proxy.Must(t, 200, "PUT", "/api/v1/units/ARMADA-1", admin, map[string]any{"name": "Bidang Satu", "parent": "ARMADA"})

	// The CSV an Indonesian spreadsheet writes: semicolons, a BOM.
	var csv strings.Builder
	csv.WriteString("\ufeffnip;nama;email;unit;jabatan\n")
	var nips, emails []string
	for i := range people {
		nip := nextNIP()
		unit := "ARMADA"
		if i%2 == 1 {
			unit = "ARMADA-1"
		}
		email := fmt.Sprintf("armada.%s@kotalama.go.id", nip)
		nips, emails = append(nips, nip), append(emails, email)
		fmt.Fprintf(&csv, "%s;Pegawai Armada %d;%s;%s;Analis\n", nip, i, email, unit)
	}
	imp := func(path string) map[string]any {
		res, err := f.Proxy.Do(context.Background(), "POST", path, Req{Token: admin.Token, IP: admin.IP,
			Body: []byte(csv.String()), Header: map[string]string{"Content-Type": "text/csv; charset=utf-8"}})
		if err != nil || res.Status != 200 {
			t.Fatalf("POST %s: %v %d %.500s", path, err, res.Status, res.Body)
		}
		return res.JSON()
	}
	if dry := imp("/api/v1/users/import?dry_run=1"); fmt.Sprint(dry["created"]) != fmt.Sprint(people) {
		t.Fatalf("dry run: %v", dry)
	}
	if n := f.Proxy.Must(t, 200, "GET", "/api/v1/users?q=Pegawai+Armada", admin, nil)["total"]; fmt.Sprint(n) != "0" {
		t.Fatalf("the dry run wrote %v users", n)
	}
	real := imp("/api/v1/users/import")
	if fmt.Sprint(real["created"]) != fmt.Sprint(people) || len(real["activations"].([]any)) != people {
		t.Fatalf("import: created %v, %d activation links", real["created"], len(real["activations"].([]any)))
	}
	// The same file again, through the other instance as it happens, changes nothing.
	if again := imp("/api/v1/users/import"); fmt.Sprint(again["unchanged"]) != fmt.Sprint(people) {
		t.Fatalf("re-import: %v", again)
	}

	tr := f.NewUser(t, "trainer")
	course, module := f.Course(t, tr, "Orientasi Armada")
	f.Proxy.Must(t, 201, "POST", "/api/v1/courses/"+course+"/modules/"+module+"/lessons", tr,
		map[string]any{"title": "Pengantar", "kind": "text", "body": "Bacaan wajib orientasi."})
	f.Proxy.Must(t, 200, "POST", "/api/v1/courses/"+course+"/publish", tr, nil)

	// Due a week and 20 s from now: the 7-day reminder falls due 20 s
	// after the assignment, while both instances run the pass every 2 s.
	due := time.Now().Add(7*24*time.Hour + 20*time.Second).UTC().Format(time.RFC3339)
	a := f.Proxy.Must(t, 201, "POST", "/api/v1/assignments", admin, map[string]any{"course_id": course,
		"units": []string{"ARMADA"}, "due": due, "reason": "Orientasi pegawai armada"})
	if fmt.Sprint(a["assigned"]) != fmt.Sprint(people) {
		t.Fatalf("assigned %v, want %d (the unit and its sub-unit)", a["assigned"], people)
	}

	// Three emails each: activation, new assignment, 7-day reminder.
	want := 3 * people
	deadline := time.Now().Add(3 * time.Minute)
	var mine map[string][]string // recipient -> subjects
	for {
		mine = map[string][]string{}
		ids := map[string]int{}
		for _, m := range f.Mail.Messages() {
			for _, to := range m.To {
				if strings.HasPrefix(to.Address, "armada.") {
					mine[to.Address] = append(mine[to.Address], m.Subject)
					ids[m.MessageID]++
				}
			}
		}
		for id, n := range ids {
			if n > 1 {
				t.Fatalf("message %s sent %d times", id, n)
			}
		}
		total := 0
		for _, subs := range mine {
			total += len(subs)
		}
		if total >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	// Several more reminder and mail periods on both instances: nothing new.
	time.Sleep(12 * time.Second)
	got := map[string]int{}
	for _, m := range f.Mail.Messages() {
		for _, to := range m.To {
			got[to.Address]++
		}
	}
	for i, e := range emails {
		if got[e] != 3 || len(mine[e]) != 3 {
			t.Errorf("%s (%s) got %d emails, want 3: %q", nips[i], e, got[e], mine[e])
		}
		for _, sub := range mine[e] {
			if strings.Contains(sub, "%!") {
				t.Errorf("a subject with a formatting error: %q", sub)
			}
		}
	}
	t.Logf("%d people: %d emails, e.g. %q", people, want, mine[emails[0]])
})
